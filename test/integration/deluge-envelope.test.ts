import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MziServer, runMzi, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import { delugeRequest, type PrintedFunction, printedFunctions } from '../helpers/printed-deluge.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const SECRET = 'deluge-envelope-secret-0123456789';

let testDb: TestDatabase;
let env: Record<string, string>;
let server: MziServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  env = { DATABASE_URL: testDb.url, ZOHO_WEBHOOK_SECRET: SECRET };
  server = await startMziServer(env);
});
afterAll(async () => {
  await server.stop();
  await testDb.drop();
});

/** The functions `mzi zoho-setup <module> --deluge` prints for this server, by operation. */
function functionsOf(module: string, extra: string[] = ['--show-secret']): Record<string, PrintedFunction> {
  const printed = runMzi(['zoho-setup', module, '--deluge', '--url', server.baseUrl, ...extra], env);
  expect(printed.code, printed.stderr).toBe(0);
  const functions = printedFunctions(printed.stdout);
  expect(functions.map((fn) => fn.name)).toEqual([
    `mzi_${module}_insert`,
    `mzi_${module}_update`,
    `mzi_${module}_delete`,
  ]);
  return Object.fromEntries(functions.map((fn) => [fn.name.split('_').at(-1), fn]));
}

/** Runs a printed function as Zoho would: builds its request by following its code, and sends it. */
async function run(fn: PrintedFunction | undefined, input: Parameters<typeof delugeRequest>[1]) {
  const request = delugeRequest(fn?.code ?? '', input);
  const response = await fetch(request.url, {
    method: 'POST',
    headers: { 'content-type': request.contentType, ...request.headers },
    body: request.body,
  });
  return { request, status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function eventsOf(recordId: string): Array<Record<string, unknown>> {
  const listed = runMzi(['events', 'list', '--record', recordId, '--json'], env);
  expect(listed.code, listed.stderr).toBe(0);
  return listed.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .reverse();
}

describe('a signed envelope exactly as the printed Deluge function builds it', () => {
  it('is accepted from each function of a student, once per change, and becomes its events', async () => {
    const functions = functionsOf('student');
    const id = '5725767000000431001';
    const record = {
      id,
      Academic_Email: 'deluge.student@student.example.edu',
      Name: 'Dana Deluge',
      Student_ID_Number: 'DLG-1',
      Phone: null,
      Modified_Time: '2027-01-04T10:00:00+02:00',
      Not_A_Field_Of_Mzi: 'left out by the function',
    };
    const inserted = await run(functions.insert, { id, record, nowMs: Date.now() });
    expect(inserted.status, JSON.stringify(inserted.body)).toBe(200);
    expect(inserted.request.headers['X-Zoho-Signature']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(inserted.request.body.startsWith('{"operation":"insert","delivery_id":"insert-')).toBe(true);
    expect(inserted.request.body).not.toContain('Not_A_Field_Of_Mzi');
    expect(inserted.body).toMatchObject({ success: true, results: [{ record_id: id, status: 'queued' }] });

    // The same change run again (a re-run of the rule): its delivery id makes it a duplicate.
    const again = await run(functions.insert, { id, record, nowMs: Date.now() + 1000 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ results: [{ record_id: id, status: 'duplicate' }] });

    const edited = { ...record, Name: 'Dana D. Deluge', Modified_Time: '2027-01-05T09:30:00+02:00' };
    const updated = await run(functions.update, { id, record: edited, nowMs: Date.now() });
    expect(updated.body).toMatchObject({ results: [{ record_id: id, status: 'queued' }] });
    const deletedAt = Date.now();
    const deleted = await run(functions.delete, { id, nowMs: deletedAt });
    expect(deleted.request.body).toBe(
      `{"operation":"delete","delivery_id":"delete-${id}-${deletedAt}","data":[{"id":"${id}"}]}`,
    );
    expect(deleted.body).toMatchObject({ results: [{ record_id: id, status: 'queued' }] });

    await waitForIdle(server.baseUrl);
    const events = eventsOf(id);
    expect(events.map((event) => [event.event_type, event.status])).toEqual([
      ['insert', 'completed'],
      ['insert', 'duplicate'],
      ['update', 'completed'],
      ['delete', 'completed'],
    ]);
    const [insert, , update] = events as [Record<string, unknown>, unknown, Record<string, unknown>];
    expect(insert.delivery_id).toBe(`insert-${id}-2027-01-04T10:00:00+02:00`);
    expect((insert.payload as { data: unknown }).data).toMatchObject({
      Academic_Email: 'deluge.student@student.example.edu',
      Name: 'Dana Deluge',
      Student_ID_Number: 'DLG-1',
      Phone: null,
      Country: null,
      Modified_Time: '2027-01-04T10:00:00+02:00',
    });
    expect((update.payload as { data: { Name: string } }).data.Name).toBe('Dana D. Deluge');
  });

  it("keeps an enrollment's lookups as their record ids, and an empty lookup as empty", async () => {
    const functions = functionsOf('enrollment');
    const id = '5725767000000431101';
    const record = {
      id,
      Enrolled_Students: { name: 'Dana Deluge', id: '5725767000000431001' },
      Classes: null,
      Enrollment_Status: 'Active',
      Start_Date: '2027-01-04',
      Modified_Time: '2027-01-04T11:00:00+02:00',
    };
    const inserted = await run(functions.insert, { id, record, nowMs: Date.now() });
    expect(inserted.status, JSON.stringify(inserted.body)).toBe(200);
    expect(inserted.request.body).not.toContain('Dana Deluge');
    const [event] = eventsOf(id) as [Record<string, unknown>];
    expect((event.payload as { data: unknown }).data).toMatchObject({
      Enrolled_Students: '5725767000000431001',
      Classes: null,
      Enrollment_Status: 'Active',
    });
  });

  it('is refused, and stores nothing, while the function holds the placeholder secret', async () => {
    const functions = functionsOf('student', []);
    const id = '5725767000000431201';
    const refused = await run(functions.insert, {
      id,
      record: { id, Academic_Email: 'placeholder@student.example.edu' },
      nowMs: Date.now(),
    });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'unauthorized', reason: 'invalid_signature' });
    expect(runMzi(['events', 'list', '--record', id], env).stdout.trim()).toBe('no events');
  });

  it('is accepted without the timestamp when printed with --no-timestamp', async () => {
    const functions = functionsOf('program', ['--show-secret', '--no-timestamp']);
    const id = '5725767000000431301';
    const sent = await run(functions.update, {
      id,
      record: { id, Product_Name: 'BTEC IT', Modified_Time: '2027-01-04T12:00:00+02:00' },
      nowMs: Date.now(),
    });
    expect(Object.keys(sent.request.headers)).toEqual(['X-Zoho-Signature']);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  });
});
