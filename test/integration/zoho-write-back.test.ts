import { describe, expect, it } from 'vitest';
import type { Service } from '../../src/main.js';
import { claimWriteBacks } from '../../src/write-back/claim-write-backs.js';
import { withWriteBacks } from '../../src/write-back/write-back-table.js';
import { eventRow } from '../helpers/deliveries.js';
import type { FakeZoho } from '../helpers/fake-zoho.js';
import { deliverRecord } from '../helpers/module-deliveries.js';
import { runMzi } from '../helpers/mzi-process.js';
import { TEST_ADMIN_TOKEN } from '../helpers/test-service.js';
import { useZohoService } from '../helpers/zoho-service.js';

const STUDENTS = 'BTEC_Students';
const start = useZohoService({ MOODLE_DEFAULT_CATEGORY_ID: '1' });

const puts = (zoho: FakeZoho) => zoho.state.counts.calls['PUT /crm/v8/{module}'] ?? 0;
const record = (zoho: FakeZoho, module: string, id: string) => zoho.state.modules.get(module)?.get(id);

/** A student's webhook data, as the full webhook of `mzi zoho-setup student` sends it. */
function studentData(n: number, extra: Record<string, string | null> = {}) {
  return {
    Name: `Omar Written${n}`,
    Academic_Email: `omar.written${n}@student.example.edu`,
    Student_ID_Number: `WB-${n}`,
    Country: 'Lebanon',
    Student_Status: 'Active',
    ...extra,
  };
}

/** Seeds the student in the fake Zoho and delivers its webhook; the event row once processed. */
async function provisionStudent(
  zoho: FakeZoho,
  service: Service,
  n: number,
  webhook: Record<string, string | null> = { Moodle_User_ID: '' },
) {
  const [seeded] = zoho.state.seed(STUDENTS, [{ ...studentData(n), Moodle_User_ID: null }]);
  if (!seeded) throw new Error('seed');
  const row = await deliverRecord(service, 'student', {
    recordId: seeded.id,
    data: { ...studentData(n), ...webhook },
  });
  return { id: seeded.id, row };
}

async function writeBackOf(service: Service, eventId: string) {
  const detail = await service.app.inject({
    method: 'GET',
    url: `/api/v1/events/${eventId}`,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  expect(detail.statusCode).toBe(200);
  return detail.json().zoho_write_back as {
    status: string;
    fields: Record<string, string>;
    error_message: string | null;
  };
}

describe('Moodle ids written back into Zoho', () => {
  it("writes a student's, a teacher's and a class's Moodle id into their Zoho records, without running workflows", async () => {
    const { zoho, moodle, service } = await start();
    const student = await provisionStudent(zoho, service, 1);
    expect(student.row.status, student.row.error_message ?? '').toBe('completed');
    const user = [...moodle.users.values()].find((u) => u.idnumber === 'WB-1');
    expect(record(zoho, STUDENTS, student.id)?.Moodle_User_ID).toBe(String(user?.id));
    expect(JSON.parse(student.row.result ?? '{}').zoho_write_back).toMatchObject({
      status: 'pending',
      fields: { Moodle_User_ID: String(user?.id) },
    });
    expect(await writeBackOf(service, student.row.event_id)).toMatchObject({
      status: 'written',
      fields: { Moodle_User_ID: String(user?.id) },
    });

    const [teacher] = zoho.state.seed('BTEC_Teachers', [{ Name: 'Rana Teacher', Teacher_Moodle_ID: null }]);
    if (!teacher) throw new Error('seed');
    const teacherRow = await deliverRecord(service, 'teacher', {
      recordId: teacher.id,
      data: {
        Name: 'Rana Teacher',
        Academic_Email: 'rana.teacher@school.example.edu',
        Teacher_Moodle_ID: '',
      },
    });
    expect(teacherRow.status, teacherRow.error_message ?? '').toBe('completed');
    const teacherUser = [...moodle.users.values()].find((u) => u.email === 'rana.teacher@school.example.edu');
    expect(record(zoho, 'BTEC_Teachers', teacher.id)?.Teacher_Moodle_ID).toBe(String(teacherUser?.id));

    const [klass] = zoho.state.seed('BTEC_Classes', [{ Class_Name: 'BTEC IT WB', Moodle_Class_ID: null }]);
    if (!klass) throw new Error('seed');
    const classRow = await deliverRecord(service, 'class', {
      recordId: klass.id,
      data: {
        Class_Name: 'BTEC IT WB',
        Class_Short_Name: 'IT-WB-1',
        Class_Status: 'Active',
        Start_Date: '2027-01-04',
        End_Date: '2027-06-30',
      },
    });
    expect(classRow.status, classRow.error_message ?? '').toBe('completed');
    const course = [...moodle.courses.values()].find((c) => c.shortname === 'IT-WB-1');
    expect(record(zoho, 'BTEC_Classes', klass.id)?.Moodle_Class_ID).toBe(String(course?.id));

    expect(puts(zoho)).toBe(3);
    expect(zoho.state.counts.workflowRuns).toEqual({});
  });

  it("writes a program's category id only when mzi created or found it, never one the school gave", async () => {
    const { zoho, moodle, service } = await start({ MOODLE_CREATE_CATEGORIES: 'true' });
    const [created, given] = zoho.state.seed('Products', [
      { Product_Name: 'BTEC Business WB', MoodleID: null },
      { Product_Name: 'BTEC Art WB', MoodleID: '1' },
    ]);
    if (!created || !given) throw new Error('seed');
    const createdRow = await deliverRecord(service, 'program', {
      recordId: created.id,
      data: { Product_Name: 'BTEC Business WB', MoodleID: '' },
    });
    expect(createdRow.status, createdRow.error_message ?? '').toBe('completed');
    const category = [...moodle.categories.values()].find((c) => c.name === 'BTEC Business WB');
    expect(record(zoho, 'Products', created.id)?.MoodleID).toBe(String(category?.id));

    const givenRow = await deliverRecord(service, 'program', {
      recordId: given.id,
      data: { Product_Name: 'BTEC Art WB', MoodleID: '1' },
    });
    expect(givenRow.status, givenRow.error_message ?? '').toBe('completed');
    expect(JSON.parse(givenRow.result ?? '{}').zoho_write_back).toBeUndefined();
    expect(puts(zoho)).toBe(1);
  });

  it('writes only what differs: a second event of the same student writes nothing', async () => {
    const { zoho, service } = await start();
    const first = await provisionStudent(zoho, service, 2);
    expect(puts(zoho)).toBe(1);
    const written = String(record(zoho, STUDENTS, first.id)?.Moodle_User_ID);

    // Zoho's next webhook carries the id mzi wrote.
    const echoed = await deliverRecord(service, 'student', {
      recordId: first.id,
      operation: 'update',
      data: { ...studentData(2, { City: 'Tyre' }), Moodle_User_ID: written },
    });
    // One that does not carry the field is compared with what mzi last wrote.
    const without = await deliverRecord(service, 'student', {
      recordId: first.id,
      operation: 'update',
      data: studentData(2, { City: 'Sidon' }),
    });
    for (const row of [echoed, without]) {
      expect(row.status, row.error_message ?? '').toBe('completed');
      expect(JSON.parse(row.result ?? '{}').zoho_write_back).toMatchObject({
        status: 'unchanged',
        fields: { Moodle_User_ID: written },
      });
      expect((await writeBackOf(service, row.event_id)).status).toBe('unchanged');
    }
    expect(puts(zoho)).toBe(1);
  });

  it('writes only what differs with ZOHO_FETCH_RECORDS too: the fetched record already holds the id', async () => {
    const { zoho, service } = await start({ ZOHO_FETCH_RECORDS: 'true' });
    const first = await provisionStudent(zoho, service, 3);
    expect(puts(zoho)).toBe(1);
    const again = await deliverRecord(service, 'student', {
      recordId: first.id,
      operation: 'update',
      data: {},
    });
    expect(again.status, again.error_message ?? '').toBe('completed');
    expect(JSON.parse(again.result ?? '{}').zoho_write_back.status).toBe('unchanged');
    expect(puts(zoho)).toBe(1);
  });

  it('retries a failed write with backoff, without calling Moodle again', async () => {
    const { zoho, moodle, service } = await start();
    // More failures than the client's own attempts: the write itself must wait and be sent again.
    zoho.state.failNext(3);
    const student = await provisionStudent(zoho, service, 4);
    expect(student.row.status, student.row.error_message ?? '').toBe('completed');
    const pending = await writeBackOf(service, student.row.event_id);
    expect(pending.status).toBe('pending');
    expect(pending.error_message).toContain('will retry');
    expect(record(zoho, STUDENTS, student.id)?.Moodle_User_ID).toBeNull();
    const moodleCalls = moodle.requests.length;

    await withWriteBacks(service.database.db)
      .updateTable('zoho_write_backs')
      .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    await service.worker.drain();
    const user = [...moodle.users.values()].find((u) => u.idnumber === 'WB-4');
    expect(record(zoho, STUDENTS, student.id)?.Moodle_User_ID).toBe(String(user?.id));
    expect(await writeBackOf(service, student.row.event_id)).toMatchObject({ status: 'written' });
    expect(moodle.requests.length).toBe(moodleCalls);
    expect((await eventRow(service.database.db, student.row.event_id)).attempts).toBe(1);
  });

  it("keeps a write Zoho refuses as failed, with Zoho's message and how to fix it", async () => {
    // Zoho refuses writes of a field it sets itself: a stand-in for a field that cannot take the id.
    const { zoho, service } = await start({ ZOHO_MOODLE_ID_FIELD: 'Modified_Time' });
    const student = await provisionStudent(zoho, service, 5);
    expect(student.row.status, student.row.error_message ?? '').toBe('completed');
    const failed = await writeBackOf(service, student.row.event_id);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toContain('Zoho refused the write of Modified_Time');
    expect(failed.error_message).toContain('invalid data');
    expect(failed.error_message).toContain('set ZOHO_MOODLE_ID_FIELD');
    const page = await service.app.inject({
      method: 'GET',
      url: `/admin/events/${student.row.event_id}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(page.body).toContain('Moodle ids in Zoho');
    expect(page.body).toContain('INVALID_DATA');
    const shown = runMzi(['events', 'show', student.row.event_id], {
      DATABASE_URL: service.config.databaseUrl,
      DATA_DIR: service.dir,
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).zoho_write_back).toMatchObject({
      status: 'failed',
      error_code: 'INVALID_DATA',
      fields: { Modified_Time: expect.stringMatching(/^\d+$/) },
    });
  });

  it('never echoes: a write-back fires no workflow, so no webhook comes back to mzi', async () => {
    const { zoho, service } = await start({ ZOHO_FETCH_RECORDS: 'true' });
    const base = await service.app.listen({ port: 0, host: '127.0.0.1' });
    // Zoho's workflow rule on students calls mzi's real webhook, as the setup mzi prints configures it.
    zoho.state.workflowWebhooks[STUDENTS] = `${base}/api/v1/events/zoho/student?operation=update`;
    const student = await provisionStudent(zoho, service, 6);
    expect(record(zoho, STUDENTS, student.id)?.Moodle_User_ID).toMatch(/^\d+$/);
    await zoho.state.workflowsSettled();
    const eventsOf = () =>
      service.database.db
        .selectFrom('integration_events_log')
        .select('event_id')
        .where('record_id', '=', student.id)
        .execute();
    expect(zoho.state.counts.workflowRuns[STUDENTS] ?? 0).toBe(0);
    expect(zoho.state.counts.workflowDeliveries).toBe(0);
    expect(await eventsOf()).toHaveLength(1);

    // The same write without "trigger": [] (as a careless client would send it) does come back: the wiring
    // above would have caught an echo.
    const [token] = zoho.state.accessTokens.keys();
    const careless = await fetch(`${zoho.apiDomain}/crm/v8/${STUDENTS}`, {
      method: 'PUT',
      headers: { authorization: `Zoho-oauthtoken ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: [{ id: student.id, City: 'Byblos' }] }),
    });
    expect(careless.status).toBe(200);
    await zoho.state.workflowsSettled();
    expect(zoho.state.counts.workflowDeliveries).toBe(1);
    expect(await eventsOf()).toHaveLength(2);
  });

  it('lets only one worker claim a write: a second claim finds nothing while the first holds the lease', async () => {
    const { zoho, service } = await start();
    zoho.state.failNext(3);
    const student = await provisionStudent(zoho, service, 7);
    const db = service.database.db;
    await withWriteBacks(db)
      .updateTable('zoho_write_backs')
      .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    const now = new Date();
    const [a, b] = await Promise.all([
      claimWriteBacks(db, { workerId: 'worker-a', limit: 100, leaseSeconds: 300, now }),
      claimWriteBacks(db, { workerId: 'worker-b', limit: 100, leaseSeconds: 300, now }),
    ]);
    expect([...(a ?? []), ...(b ?? [])].map((row) => row.record_id)).toEqual([student.id]);
    // Once the lease has run out, another worker takes it over.
    const later = new Date(now.getTime() + 301_000);
    const taken = await claimWriteBacks(db, {
      workerId: 'worker-c',
      limit: 100,
      leaseSeconds: 300,
      now: later,
    });
    expect(taken.map((row) => [row.record_id, row.locked_by])).toEqual([[student.id, 'worker-c']]);
  });
});
