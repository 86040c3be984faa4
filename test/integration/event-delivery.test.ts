import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customStudentBody, eventRow, postStudent } from '../helpers/deliveries.js';
import { postEnvelope, studentRecord } from '../helpers/envelopes.js';
import { runMzi } from '../helpers/mzi-process.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService({}, { threads: false });
});
afterEach(async () => {
  await service.cleanup();
});

const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const DELIVERY = 'deluge 5725767000001234567/2026-11-28T10:05:00+03:00';

/** An envelope of three records with a delivery id, and a single delivery beside it. */
async function seed() {
  const envelope = await postEnvelope(service, {
    records: [studentRecord(1), studentRecord(2), studentRecord(3)],
    top: { operation: 'insert', delivery_id: DELIVERY },
  });
  expect(envelope.status).toBe(200);
  const single = await postStudent(service, customStudentBody({ notificationId: null }));
  await service.worker.drain();
  return {
    eventIds: envelope.body.results.map((r) => r.event_id as string),
    single: single.body.event_id as string,
  };
}

describe('the delivery an event came from', () => {
  it("is stored on each event: the sender's id, or none for a single delivery without one", async () => {
    const { eventIds, single } = await seed();
    for (const eventId of eventIds)
      expect((await eventRow(service.database.db, eventId)).delivery_id).toBe(DELIVERY);
    expect((await eventRow(service.database.db, single)).delivery_id).toBeNull();
    const withId = await postStudent(service, customStudentBody({ notificationId: 'n-77' }));
    expect((await eventRow(service.database.db, withId.body.event_id as string)).delivery_id).toBe('n-77');
    // `delivery_id` names a single delivery too, and makes its repeat a duplicate.
    const flat = {
      id: '7700100',
      operation: 'insert',
      delivery_id: 'flat-1',
      Academic_Email: 'f@student.example.edu',
    };
    const first = await postStudent(service, flat);
    const again = await postStudent(service, { ...flat, City: 'Sidon' });
    expect(again.body).toMatchObject({ status: 'duplicate', duplicate_of: first.body.event_id });
    expect((await eventRow(service.database.db, first.body.event_id as string)).delivery_id).toBe('flat-1');
  });

  it("is shown by `mzi events list` and `mzi events show`, which can list one delivery's events", async () => {
    const { eventIds, single } = await seed();
    const env = { DATABASE_URL: service.config.databaseUrl };
    const list = runMzi(['events', 'list', '--delivery', DELIVERY], env);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const [i, eventId] of [...eventIds].reverse().entries()) {
      expect(lines[i]).toMatch(
        new RegExp(`^\\[completed\\] BTEC_Students\\.insert - ${eventId} at \\S+ delivery `),
      );
      expect(lines[i]?.endsWith(` delivery ${DELIVERY}`)).toBe(true);
    }
    expect(list.stdout).not.toContain(single);
    const json = runMzi(['events', 'list', '--delivery', DELIVERY, '--json'], env);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).delivery_id),
    ).toEqual(Array(3).fill(DELIVERY));

    const shown = runMzi(['events', 'show', eventIds[1] as string], env);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      event_id: eventIds[1],
      delivery_id: DELIVERY,
      payload: { delivery_id: DELIVERY, envelope: { id: DELIVERY, index: 1, records: 3 } },
    });
  });

  it("is shown on the dashboard's event page, linked to the delivery's other events", async () => {
    const { eventIds, single } = await seed();
    const page = await service.app.inject({
      method: 'GET',
      url: `/admin/events/${eventIds[1]}`,
      headers: bearer,
    });
    expect(page.statusCode).toBe(200);
    const link = `/admin/events?delivery_id=${encodeURIComponent(DELIVERY)}`;
    expect(page.body).toContain('<dt>Delivery</dt>');
    expect(page.body).toContain(`href="${link}"`);
    expect(page.body).toContain('record 2 of 3 in its envelope');

    const list = await service.app.inject({ method: 'GET', url: link, headers: bearer });
    expect(list.statusCode).toBe(200);
    for (const eventId of eventIds) expect(list.body).toContain(`/admin/events/${eventId}`);
    expect(list.body).not.toContain(`/admin/events/${single}`);
    expect(list.body).toContain(`name="delivery_id" value="${DELIVERY}"`);

    const singlePage = await service.app.inject({
      method: 'GET',
      url: `/admin/events/${single}`,
      headers: bearer,
    });
    expect(singlePage.body).not.toContain('<dt>Delivery</dt>');
  });

  it('is in the admin API, whose event list filters by it', async () => {
    const { eventIds } = await seed();
    const detail = await service.app.inject({
      method: 'GET',
      url: `/api/v1/events/${eventIds[0]}`,
      headers: bearer,
    });
    expect(detail.json().event).toMatchObject({ delivery_id: DELIVERY, payload: { envelope: { index: 0 } } });
    const page = await service.app.inject({
      method: 'GET',
      url: `/api/v1/events?delivery_id=${encodeURIComponent(DELIVERY)}`,
      headers: bearer,
    });
    expect(page.statusCode).toBe(200);
    const events = page.json().events as Array<{ event_id: string; delivery_id: string }>;
    expect(events.map((e) => e.event_id)).toEqual([...eventIds].reverse());
    expect(events.every((e) => e.delivery_id === DELIVERY)).toBe(true);
  });
});
