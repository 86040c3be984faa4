import { describe, expect, it } from 'vitest';
import { eventRow } from '../helpers/deliveries.js';
import { runMzi } from '../helpers/mzi-process.js';
import { postRecord } from '../helpers/school-deliveries.js';
import { TEST_ADMIN_TOKEN } from '../helpers/test-service.js';
import { useZohoService } from '../helpers/zoho-service.js';

const STUDENTS = 'BTEC_Students';
const start = useZohoService({ ZOHO_FETCH_RECORDS: 'true' });

const getRecordCalls = (counts: { calls: Record<string, number> }) =>
  counts.calls['GET /crm/v8/{module}/{id}'] ?? 0;

/** A student as Zoho holds it. */
function zohoStudent(n: number, extra: Record<string, unknown> = {}) {
  return {
    Name: `Maya Fetched${n}`,
    Academic_Email: `maya.fetched${n}@student.example.edu`,
    Student_ID_Number: `FET-${n}`,
    Country: 'Lebanon',
    Student_Status: 'Active',
    Moodle_User_ID: null,
    ...extra,
  };
}

describe('fetching records from Zoho (ZOHO_FETCH_RECORDS=true)', () => {
  it("processes the record as Zoho holds it, not the webhook's stale data, and keeps both on the event", async () => {
    const { zoho, moodle, service } = await start();
    const [record] = zoho.state.seed(STUDENTS, [zohoStudent(1)]);
    if (!record) throw new Error('seed');
    const eventId = await postRecord(service, 'student', {
      recordId: record.id,
      operation: 'insert',
      data: {
        Name: 'Maya Stale',
        Academic_Email: 'maya.stale@student.example.edu',
        Student_ID_Number: 'FET-1',
      },
    });
    await service.worker.drain();

    const row = await eventRow(service.database.db, eventId);
    expect(row.status, row.error_message ?? '').toBe('completed');
    const user = [...moodle.users.values()].find((u) => u.idnumber === 'FET-1');
    expect(user?.email).toBe('maya.fetched1@student.example.edu');
    expect(user?.firstname).toBe('Maya');
    expect(user?.lastname).toBe('Fetched1');
    // Kept on the event, beside the webhook's own data.
    expect(row.fetched_at).not.toBeNull();
    const fetched = JSON.parse(row.fetched ?? 'null');
    expect(fetched.data).toMatchObject({
      Name: 'Maya Fetched1',
      Academic_Email: 'maya.fetched1@student.example.edu',
      Moodle_User_ID: null,
    });
    expect(JSON.parse(row.payload).data.Academic_Email).toBe('maya.stale@student.example.edu');

    const detail = await service.app.inject({
      method: 'GET',
      url: `/api/v1/events/${eventId}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(detail.statusCode).toBe(200);
    const body = detail.json();
    expect(body.event.payload.data.Academic_Email).toBe('maya.stale@student.example.edu');
    expect(body.event.fetched.data.Academic_Email).toBe('maya.fetched1@student.example.edu');
    const page = await service.app.inject({
      method: 'GET',
      url: `/admin/events/${eventId}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Fetched from Zoho');
    expect(page.body).toContain('maya.fetched1@student.example.edu');
    expect(page.body).toContain('maya.stale@student.example.edu');
    const shown = runMzi(['events', 'show', eventId], {
      DATABASE_URL: service.config.databaseUrl,
      DATA_DIR: service.dir,
    });
    expect(shown.code, shown.stderr).toBe(0);
    const cli = JSON.parse(shown.stdout);
    expect(cli.payload.data.Academic_Email).toBe('maya.stale@student.example.edu');
    expect(cli.fetched.data.Academic_Email).toBe('maya.fetched1@student.example.edu');
  });

  it('accepts a webhook that carries only the record id and its Modified_Time, in the worker thread too', async () => {
    // On SQLite, `mzi serve` runs the worker in a thread of its own, which builds its own Zoho client.
    const { zoho, moodle, service } = await start({}, { threads: true });
    // A field Zoho answers as a list (as it does a multi-select picklist) is not read: the event says so.
    const [record] = zoho.state.seed(STUDENTS, [zohoStudent(2, { Phone: ['+961 1 234 567'] })]);
    if (!record) throw new Error('seed');
    const response = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/student?operation=insert',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ id: record.id, Modified_Time: record.Modified_Time }).toString(),
    });
    expect(response.statusCode, response.body).toBe(200);
    await service.worker.drain();
    const row = await eventRow(service.database.db, response.json().event_id);
    expect(row.status, row.error_message ?? '').toBe('completed');
    expect([...moodle.users.values()].some((u) => u.email === 'maya.fetched2@student.example.edu')).toBe(
      true,
    );
    expect(JSON.parse(row.warnings ?? '[]').join(' ')).toContain('Field Phone was ignored');
    // The thread's Zoho calls reach the service's /metrics.
    const metrics = await service.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(metrics.body).toMatch(/mzi_zoho_api_calls_total\{call="get_record",outcome="ok"\} 1\b/);
  });

  it('fails an event whose record Zoho does not have, for good, naming the module and the id', async () => {
    const { zoho, moodle, service } = await start();
    zoho.state.seed(STUDENTS, [zohoStudent(3)]);
    const before = moodle.requests.length;
    const eventId = await postRecord(service, 'student', {
      recordId: '5725767000000999003',
      operation: 'update',
      data: { Name: 'Gone Student' },
    });
    await service.worker.drain();
    const row = await eventRow(service.database.db, eventId);
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.error_code).toBe('zoho.record_not_found');
    expect(row.error_message).toContain('BTEC_Students record 5725767000000999003');
    expect(moodle.requests.length).toBe(before);
  });

  it("retries an event whose fetch met Zoho's rate limit, then processes it", async () => {
    const { zoho, moodle, service } = await start();
    const [record] = zoho.state.seed(STUDENTS, [zohoStudent(4)]);
    if (!record) throw new Error('seed');
    // More rate-limit answers than the client's own attempts: the event itself must wait and try again.
    zoho.state.rateLimitNext(3);
    const eventId = await postRecord(service, 'student', {
      recordId: record.id,
      operation: 'insert',
      data: {},
    });
    await service.worker.drain();
    const waiting = await eventRow(service.database.db, eventId);
    expect(waiting.status).toBe('pending');
    expect(waiting.error_message).toContain('will retry');
    expect([...moodle.users.values()].some((u) => u.idnumber === 'FET-4')).toBe(false);

    await service.database.db
      .updateTable('integration_events_log')
      .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
      .where('event_id', '=', eventId)
      .execute();
    await service.worker.drain();
    const done = await eventRow(service.database.db, eventId);
    expect(done.status, done.error_message ?? '').toBe('completed');
    expect(done.attempts).toBe(2);
    expect([...moodle.users.values()].some((u) => u.idnumber === 'FET-4')).toBe(true);
  });

  it("never fetches a delete: it uses the webhook's id", async () => {
    const { zoho, moodle, service } = await start();
    const [record] = zoho.state.seed(STUDENTS, [zohoStudent(5)]);
    if (!record) throw new Error('seed');
    await postRecord(service, 'student', { recordId: record.id, operation: 'insert', data: {} });
    await service.worker.drain();
    expect(getRecordCalls(zoho.state.counts)).toBe(1);
    zoho.state.remove(STUDENTS, record.id);

    const eventId = await postRecord(service, 'student', {
      recordId: record.id,
      operation: 'delete',
      data: {},
    });
    await service.worker.drain();
    const row = await eventRow(service.database.db, eventId);
    expect(row.status, row.error_message ?? '').toBe('completed');
    expect(row.fetched).toBeNull();
    expect(getRecordCalls(zoho.state.counts)).toBe(1);
    const user = [...moodle.users.values()].find((u) => u.idnumber === 'FET-5');
    expect(user?.suspended).toBe(true);
  });

  it('without a Zoho connection, fails each insert and update saying fetch needs one, and calls nobody', async () => {
    const { zoho, moodle, service } = await start({}, { connected: false });
    const before = moodle.requests.length;
    const eventId = await postRecord(service, 'student', {
      recordId: '5725767000000999006',
      operation: 'insert',
      data: zohoStudent(6) as Record<string, unknown>,
    });
    await service.worker.drain();
    const row = await eventRow(service.database.db, eventId);
    expect(row.status).toBe('failed');
    expect(row.error_code).toBe('zoho.not_connected');
    expect(row.error_message).toContain('mzi zoho connect');
    expect(moodle.requests.length).toBe(before);
    expect(zoho.state.counts.tokenRequests).toBe(0);
    expect(service.logs()).toContain('ZOHO_FETCH_RECORDS=true, but Zoho is not connected');
  });
});
