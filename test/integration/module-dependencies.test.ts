import { afterEach, describe, expect, it } from 'vitest';
import { formatEventLine } from '../../src/cli/format-event.js';
import type { ClaimedEvent } from '../../src/db/schema.js';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { MODULES } from '../../src/modules/index.js';
import type { RecordData, ZohoModule } from '../../src/modules/zoho-module.js';
import type { HandlerOutcome } from '../../src/worker/event-handler.js';
import { eventRow } from '../helpers/deliveries.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

/**
 * Two modules that exist only in this file: a booking waits for its classroom (as an enrollment will wait for its
 * student and class). The booking's handler refuses a booking whose classroom it has not seen processed, so an
 * event that ran before its dependency fails these tests instead of passing by luck.
 */
const TOKEN = 'module-dependencies-token-0123456789';
/** Classrooms processed, by record id, and bookings handled, in order: reset for each test. */
let classrooms = new Set<string>();
let bookingsHandled: string[] = [];

const testModule = (name: string, zohoApiName: string, fields: string[]) =>
  ({
    name,
    zohoApiName,
    fields: fields.map((apiName) => ({ apiName, label: apiName, personal: false, maxLength: 100 })),
    moodleFunctions: [],
    testDelivery: { fields: [], hint: { field: fields[0] ?? 'Label', example: 'x' } },
    searchKeys: [],
    knownRecords: async () => new Map(),
  }) satisfies Partial<ZohoModule>;

const classroomModule: ZohoModule = {
  ...testModule('classroom', 'Test_Classrooms', ['Label']),
  waitsFor: () => [],
  createHandler:
    () =>
    async (event: ClaimedEvent): Promise<HandlerOutcome> => {
      if (dataOf(event).Label === 'broken')
        throw new ProcessingError('classroom.broken', `Classroom ${event.record_id} is broken.`);
      return {
        result: { classroom: event.record_id },
        apply: async () => void classrooms.add(event.record_id),
      };
    },
};

const bookingModule: ZohoModule = {
  ...testModule('booking', 'Test_Bookings', ['Label', 'Classroom_Id']),
  waitsFor: (data: RecordData) =>
    data.Classroom_Id ? [{ module: 'classroom', recordId: data.Classroom_Id }] : [],
  createHandler:
    () =>
    async (event: ClaimedEvent): Promise<HandlerOutcome> => {
      const { Classroom_Id: classroom, Label: label } = dataOf(event);
      bookingsHandled.push(`${event.record_id}:${label}`);
      if (classroom && !classrooms.has(classroom))
        throw new ProcessingError('booking.no_classroom', `Classroom ${classroom} is not processed.`);
      return { result: { booking: event.record_id, classroom } };
    },
};

function dataOf(event: ClaimedEvent): RecordData {
  return (JSON.parse(event.payload) as { data: RecordData }).data;
}

let service: TestService;

async function start(env: Record<string, string> = {}) {
  classrooms = new Set();
  bookingsHandled = [];
  // The worker runs in this thread: modules defined in a test cannot be loaded by a worker thread.
  service = await startTestService(
    { ZOHO_WEBHOOK_TOKEN: TOKEN, ...env },
    { modules: [...MODULES, classroomModule, bookingModule], threads: false },
  );
}

afterEach(async () => {
  await service.cleanup();
});

async function post(module: string, form: Record<string, string>): Promise<string> {
  const response = await service.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/${module}?operation=insert`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-webhook-token': TOKEN },
    payload: new URLSearchParams(form).toString(),
  });
  expect(response.statusCode).toBe(200);
  return (response.json() as { event_id: string }).event_id;
}

const row = (eventId: string) => eventRow(service.database.db, eventId);

describe('an event that waits for a record of another module', () => {
  it('waits without using attempts, then runs as soon as its dependency completes', async () => {
    await start();
    const booking = await post('booking', { id: 'B1', Label: 'first', Classroom_Id: 'C1' });
    const later = await post('booking', { id: 'B1', Label: 'second', Classroom_Id: 'C1' });
    await service.worker.drain();

    expect(await row(booking)).toMatchObject({
      status: 'pending',
      attempts: 0,
      error_code: 'dependency.waiting',
      error_message: expect.stringContaining(
        'Waits for Test_Classrooms record C1: no event of it has arrived yet',
      ),
      waits_for: 'Test_Classrooms:C1',
    });
    // The later event of the same record keeps its place behind the waiting one.
    expect(await row(later)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(bookingsHandled).toEqual([]);
    const waiting = await row(booking);
    expect(Date.parse(waiting.next_attempt_at)).toBeGreaterThan(Date.now());

    // Completing the classroom wakes the booking at once: one drain runs both, well before the booking's
    // own re-check is due.
    const classroom = await post('classroom', { id: 'C1', Label: 'Room 1' });
    await service.worker.drain();
    expect(Date.now()).toBeLessThan(Date.parse(waiting.next_attempt_at));
    expect(await row(classroom)).toMatchObject({ status: 'completed' });
    expect(await row(booking)).toMatchObject({
      status: 'completed',
      attempts: 1,
      error_code: null,
      error_message: null,
      waits_for: null,
      waiting_since: null,
    });
    expect(await row(later)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(bookingsHandled).toEqual(['B1:first', 'B1:second']);
  });

  it('runs at once when its dependency was processed before it arrived', async () => {
    await start();
    await post('classroom', { id: 'C2', Label: 'Room 2' });
    await service.worker.drain();
    const booking = await post('booking', { id: 'B2', Label: 'one', Classroom_Id: 'C2' });
    await service.worker.drain();
    expect(await row(booking)).toMatchObject({ status: 'completed', attempts: 1, waiting_since: null });
  });

  it('names the failed dependency while it waits, and fails with dependency.missing after the limit', async () => {
    await start({ DEPENDENCY_WAIT: '3s' });
    const classroom = await post('classroom', { id: 'C3', Label: 'broken' });
    await service.worker.drain();
    expect(await row(classroom)).toMatchObject({ status: 'failed', error_code: 'classroom.broken' });

    const booking = await post('booking', { id: 'B3', Label: 'one', Classroom_Id: 'C3' });
    await service.worker.drain();
    const waiting = await row(booking);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, error_code: 'dependency.waiting' });
    expect(waiting.error_message).toMatch(
      /^Waits for Test_Classrooms record C3: its last event \S+ failed \(classroom\.broken\)/,
    );
    expect(formatEventLine(waiting)).toContain(
      '\n    waiting: Waits for Test_Classrooms record C3: its last event',
    );
    // Operators read it in the admin API (the dashboard and `mzi events show` print the same row).
    const shown = await service.app.inject({
      method: 'GET',
      url: `/api/v1/events/${booking}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect((shown.json() as { event: { error_message: string } }).event.error_message).toBe(
      waiting.error_message,
    );

    const failed = await eventually(
      async () => {
        const current = await row(booking);
        return current.status === 'failed' && current;
      },
      { what: 'the booking to fail after the wait limit', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(failed).toMatchObject({ error_code: 'dependency.missing', attempts: 1, waits_for: null });
    expect(failed.error_message).toMatch(/^Waited 3 s for Test_Classrooms record C3, which is not processed/);
    expect(
      Date.parse(failed.processed_at ?? '') - Date.parse(waiting.waiting_since ?? ''),
    ).toBeGreaterThanOrEqual(3000);
    expect(bookingsHandled).toEqual([]);
  });

  it('fails with dependency.missing when the dependency never comes', async () => {
    await start({ DEPENDENCY_WAIT: '2s' });
    const booking = await post('booking', { id: 'B4', Label: 'one', Classroom_Id: 'C404' });
    const failed = await eventually(
      async () => {
        const current = await row(booking);
        return current.status === 'failed' && current;
      },
      { what: 'the booking to fail after the wait limit', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(failed).toMatchObject({ error_code: 'dependency.missing', attempts: 1 });
    expect(failed.error_message).toContain(
      'Test_Classrooms record C404, which is not processed: no event of it has arrived yet',
    );
    expect(bookingsHandled).toEqual([]);
  });

  it('leaves modules that wait for nothing as they were', async () => {
    await start();
    const response = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/student?operation=insert',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-webhook-token': TOKEN },
      payload: 'id=9105&Academic_Email=d.student%40student.example.edu&Name=Dependent%20Student',
    });
    await service.worker.drain();
    const event = await row((response.json() as { event_id: string }).event_id);
    expect(event).toMatchObject({
      module: 'BTEC_Students',
      status: 'completed',
      attempts: 1,
      waits_for: null,
      waiting_since: null,
    });
  });
});
