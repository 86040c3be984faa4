import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatEventLine } from '../../src/cli/format-event.js';
import { duration } from '../../src/config.js';
import type { ClaimedEvent } from '../../src/db/schema.js';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { MODULES } from '../../src/modules/index.js';
import type { RecordData, ZohoModule } from '../../src/modules/zoho-module.js';
import type { BatchEventHandler, HandlerOutcome, HandlerResult } from '../../src/worker/event-handler.js';
import { WaitForRecord } from '../../src/worker/wait-for-record.js';
import { eventRow } from '../helpers/deliveries.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

/**
 * Two modules that exist only in this file: a booking waits for its classroom (as an enrollment will wait for its
 * student and class). The booking's handler refuses a booking whose classroom it has not seen processed, so an
 * event that ran before its dependency fails these tests instead of passing by luck.
 */
const TOKEN = 'module-dependencies-token-0123456789';
/** Classrooms processed (record id → label), and bookings, lessons and seminars handled, in order: reset for each test. */
let classrooms = new Map<string, string | undefined>();
let bookingsHandled: string[] = [];
let lessonsHandled: string[] = [];

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
        apply: async () => void classrooms.set(event.record_id, dataOf(event).Label ?? undefined),
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

/**
 * A classroom exists once processed, but a lesson or a seminar can only take place in an open one (as an
 * enrollment needs its class Active): the handler says what it waits for.
 */
function openClassroom(event: ClaimedEvent): WaitForRecord | undefined {
  const classroom = dataOf(event).Classroom_Id;
  if (!classroom || classrooms.get(classroom) === 'Open') return undefined;
  const label = classrooms.has(classroom) ? classrooms.get(classroom) : 'not processed';
  return new WaitForRecord({
    module: 'classroom',
    recordId: classroom,
    reason: `its label is ${label}, not Open`,
  });
}

/** A module's own wait limit, read from its own setting (as ENROLMENT_WAIT_MAX is). */
const waitSetting = (name: string) => ({
  schema: z.object({ [name]: duration(3600) }).transform((e) => ({ waitMax: e[name] as number })),
  documented: [],
});

/** Lessons wait for nothing before they run; their handler waits for an open classroom (one event at a time). */
const lessonModule: ZohoModule<{ waitMax: number }> = {
  ...testModule('lesson', 'Test_Lessons', ['Label', 'Classroom_Id']),
  settings: waitSetting('LESSON_WAIT_MAX'),
  waitLimitSeconds: (settings) => settings.waitMax,
  createHandler:
    () =>
    async (event: ClaimedEvent): Promise<HandlerOutcome> => {
      lessonsHandled.push(`${event.record_id}:${dataOf(event).Label}`);
      const wait = openClassroom(event);
      if (wait) throw wait;
      return { result: { lesson: event.record_id } };
    },
};

/** Seminars wait for their classroom to be processed, then (a batch handler) for it to be open. */
const seminarModule: ZohoModule<{ waitMax: number }> = {
  ...testModule('seminar', 'Test_Seminars', ['Label', 'Classroom_Id']),
  settings: waitSetting('SEMINAR_WAIT_MAX'),
  waitLimitSeconds: (settings) => settings.waitMax,
  waitsFor: (data: RecordData) =>
    data.Classroom_Id ? [{ module: 'classroom', recordId: data.Classroom_Id }] : [],
  createHandler: (): BatchEventHandler => ({
    handleBatch: async (events) =>
      events.map((event): HandlerResult => {
        const wait = openClassroom(event);
        return wait
          ? { ok: false, error: wait }
          : { ok: true, outcome: { result: { seminar: event.record_id } } };
      }),
  }),
};

function dataOf(event: ClaimedEvent): RecordData {
  return (JSON.parse(event.payload) as { data: RecordData }).data;
}

let service: TestService;

async function start(env: Record<string, string> = {}) {
  classrooms = new Map();
  bookingsHandled = [];
  lessonsHandled = [];
  // The worker runs in this thread: modules defined in a test cannot be loaded by a worker thread.
  service = await startTestService(
    { ZOHO_WEBHOOK_TOKEN: TOKEN, ...env },
    {
      modules: [...MODULES, classroomModule, bookingModule, lessonModule, seminarModule] as ZohoModule[],
      threads: false,
    },
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

async function attemptsOf(eventId: string): Promise<number> {
  const rows = await service.database.db
    .selectFrom('event_attempts')
    .select('attempt')
    .where('event_id', '=', eventId)
    .execute();
  return rows.length;
}

async function failedEventually(eventId: string) {
  return eventually(
    async () => {
      const current = await row(eventId);
      return current.status === 'failed' && current;
    },
    { what: 'the event to fail after its wait limit', timeoutMs: 15_000, intervalMs: 100 },
  );
}

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

describe('an event whose handler waits for a record that is not ready (WaitForRecord)', () => {
  it('waits without using the attempt, and runs again as soon as an event of that record completes', async () => {
    await start();
    await post('classroom', { id: 'C10', Label: 'Closed' });
    await service.worker.drain();
    const lesson = await post('lesson', { id: 'L1', Label: 'first', Classroom_Id: 'C10' });
    const later = await post('lesson', { id: 'L1', Label: 'second', Classroom_Id: 'C10' });
    await service.worker.drain();

    const waiting = await row(lesson);
    expect(waiting).toMatchObject({
      status: 'pending',
      attempts: 0,
      error_code: 'dependency.waiting',
      error_message:
        'Waits for Test_Classrooms record C10: its label is Closed, not Open. It is tried again as soon as an event of that record completes, or fails after 1 h.',
      waits_for: 'Test_Classrooms:C10',
      processed_at: null,
    });
    expect(waiting.waiting_since).not.toBeNull();
    expect(Date.parse(waiting.next_attempt_at)).toBeGreaterThan(Date.now());
    expect(await attemptsOf(lesson)).toBe(0);
    // The later event of the same record keeps its place behind the waiting one.
    expect(await row(later)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(lessonsHandled).toEqual(['L1:first']);

    await post('classroom', { id: 'C10', Label: 'Open' });
    await service.worker.drain();
    expect(Date.now()).toBeLessThan(Date.parse(waiting.next_attempt_at));
    expect(await row(lesson)).toMatchObject({
      status: 'completed',
      attempts: 1,
      error_code: null,
      waits_for: null,
      waiting_since: null,
    });
    expect(await attemptsOf(lesson)).toBe(1);
    expect(await row(later)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(lessonsHandled).toEqual(['L1:first', 'L1:first', 'L1:second']);
  });

  it('lets a batch handler hold back one event of a batch while the others complete', async () => {
    await start();
    await post('classroom', { id: 'C20', Label: 'Closed' });
    await post('classroom', { id: 'C21', Label: 'Open' });
    await service.worker.drain();
    const closed = await post('seminar', { id: 'S1', Label: 'one', Classroom_Id: 'C20' });
    const open = await post('seminar', { id: 'S2', Label: 'two', Classroom_Id: 'C21' });
    await service.worker.drain();

    expect(await row(open)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await row(closed)).toMatchObject({
      status: 'pending',
      attempts: 0,
      error_code: 'dependency.waiting',
      waits_for: 'Test_Classrooms:C20',
    });

    await post('classroom', { id: 'C20', Label: 'Open' });
    await service.worker.drain();
    expect(await row(closed)).toMatchObject({ status: 'completed', attempts: 1, waiting_since: null });
  });

  it('fails dependency.missing after its module’s own limit, while other modules keep DEPENDENCY_WAIT', async () => {
    await start({ LESSON_WAIT_MAX: '2s' });
    await post('classroom', { id: 'C30', Label: 'Closed' });
    await service.worker.drain();
    const lesson = await post('lesson', { id: 'L3', Label: 'one', Classroom_Id: 'C30' });
    // A booking waits for a classroom that never comes, under DEPENDENCY_WAIT (24 h by default).
    const booking = await post('booking', { id: 'B30', Label: 'one', Classroom_Id: 'C404' });
    await service.worker.drain();
    const waiting = await row(lesson);
    expect(waiting.error_message).toContain('or fails after 2 s.');

    const failed = await failedEventually(lesson);
    expect(failed).toMatchObject({ error_code: 'dependency.missing', attempts: 1, waits_for: null });
    expect(failed.error_message).toBe(
      'Waited 2 s for Test_Classrooms record C30, which is not ready: its label is Closed, not Open. Retry this event once it is.',
    );
    expect(
      Date.parse(failed.processed_at ?? '') - Date.parse(waiting.waiting_since ?? ''),
    ).toBeGreaterThanOrEqual(2000);
    // Still waiting (or being looked at again by the running worker), under the limit of its own module.
    const other = await row(booking);
    expect(other.status).not.toBe('failed');
    expect(other).toMatchObject({
      error_code: 'dependency.waiting',
      error_message: expect.stringContaining('or fails after 24 h.'),
    });
  });

  it('counts the limit from the first wait, across a wait for the record to be processed and one for it to be ready', async () => {
    await start({ SEMINAR_WAIT_MAX: '3s' });
    const seminar = await post('seminar', { id: 'S5', Label: 'one', Classroom_Id: 'C50' });
    await service.worker.drain();
    const first = await row(seminar);
    expect(first).toMatchObject({ status: 'pending', error_code: 'dependency.waiting' });
    expect(first.error_message).toContain('no event of it has arrived yet');

    // The classroom arrives, closed: the seminar is woken, runs, and its handler waits on, from the same start.
    await post('classroom', { id: 'C50', Label: 'Closed' });
    await service.worker.drain();
    const second = await row(seminar);
    expect(second).toMatchObject({ status: 'pending', attempts: 0, waits_for: 'Test_Classrooms:C50' });
    expect(second.error_message).toContain('its label is Closed, not Open');
    expect(second.waiting_since).toBe(first.waiting_since);

    const failed = await failedEventually(seminar);
    expect(failed).toMatchObject({ error_code: 'dependency.missing', attempts: 1 });
    expect(failed.error_message).toMatch(/^Waited 3 s for Test_Classrooms record C50, which is not ready/);
    expect(
      Date.parse(failed.processed_at ?? '') - Date.parse(first.waiting_since ?? ''),
    ).toBeGreaterThanOrEqual(3000);
  });
});
