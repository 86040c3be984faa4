import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromZoho, MODULES } from '../../src/modules/index.js';
import { createEventAppender, type IncomingDelivery } from '../../src/webhooks/create-event-appender.js';
import { normalizeDelivery } from '../../src/webhooks/normalize-delivery.js';
import { normalizeEnvelope } from '../../src/webhooks/normalize-envelope.js';
import { parseZohoBody } from '../../src/webhooks/parse-zoho-body.js';
import { studentRow } from '../helpers/deliveries.js';
import {
  countAllEvents,
  type EnvelopeResult,
  eventsOfDelivery,
  postEnvelope,
  studentRecord,
} from '../helpers/envelopes.js';
import { TEST_DIALECT } from '../helpers/test-database.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

// On SQLite the log is written by its own thread, as `mzi serve` does, or in the service's thread; PostgreSQL
// has one path.
const PATHS =
  TEST_DIALECT === 'sqlite'
    ? [
        ['the appender thread', true],
        ['the in-process appender', false],
      ]
    : [['PostgreSQL', false]];

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe.each(PATHS)('Zoho record envelopes through %s', (_path, threads) => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService({}, { threads: threads as boolean });
  });
  afterEach(async () => {
    await service.cleanup();
  });

  it('stores an envelope of 100 records as 100 events, answers one result each, and processes them all', async () => {
    const records = range(0, 100).map((n) => studentRecord(n));
    const reply = await postEnvelope(service, { records, query: 'operation=insert' });
    expect(reply.status).toBe(200);
    expect(reply.body.success).toBe(true);
    const deliveryId = reply.body.delivery_id as string;
    expect(typeof deliveryId).toBe('string');
    expect(reply.body.results).toHaveLength(100);
    for (const [i, result] of reply.body.results.entries()) {
      expect(result).toMatchObject({
        record_id: records[i]?.id,
        status: 'queued',
        index: i,
        event_type: 'insert',
      });
      expect(typeof result.event_id).toBe('string');
    }

    // Committed before the answer: every event is there, each with its own record and its own result.
    const events = await eventsOfDelivery(service.database.db, deliveryId);
    expect(events.map((e) => e.event_id)).toEqual(reply.body.results.map((r) => r.event_id));
    for (const [i, event] of events.entries()) {
      expect(event).toMatchObject({
        record_id: records[i]?.id,
        module: 'BTEC_Students',
        event_type: 'insert',
        delivery_id: deliveryId,
        dedup_key: null,
        response_status: 200,
      });
      expect(JSON.parse(event.raw_body as string)).toEqual(records[i]);
      expect(JSON.parse(event.response_body as string)).toEqual(reply.body.results[i]);
      expect(JSON.parse(event.payload)).toMatchObject({
        operation: 'insert',
        operation_source: 'query',
        delivery_id: null,
        envelope: { id: deliveryId, index: i, records: 100 },
        data: { Academic_Email: records[i]?.Academic_Email },
      });
    }

    await service.worker.drain();
    const processed = await eventsOfDelivery(service.database.db, deliveryId);
    expect(processed.map((e) => e.status)).toEqual(Array(100).fill('completed'));
    expect(await studentRow(service.database.db, records[99]?.id as string)).toMatchObject({
      academic_email: 'envelope.99@student.example.edu',
      student_id_number: 'E00099',
    });
    const stats = await service.app.inject({ method: 'GET', url: '/api/v1/events/stats' });
    expect(stats.json()).toMatchObject({
      total_events: 100,
      by_status: { completed: 100 },
      by_module: { BTEC_Students: 100 },
    });
  });

  it('marks a re-delivered envelope as 100 duplicates and a partial re-delivery as the right mix (no delivery id)', async () => {
    const records = range(0, 100).map((n) => studentRecord(n));
    const first = await postEnvelope(service, { records, top: { operation: 'insert' } });
    expect(first.body.results.every((r) => r.status === 'queued')).toBe(true);

    const again = await postEnvelope(service, { records, top: { operation: 'insert' } });
    expect(again.status).toBe(200);
    expect(again.body.delivery_id).not.toBe(first.body.delivery_id);
    expect(again.body.results.map((r) => r.status)).toEqual(Array(100).fill('duplicate'));
    expect(again.body.results.map((r) => r.duplicate_of)).toEqual(first.body.results.map((r) => r.event_id));

    // 0–49 as before, 50–89 changed, 90–99 left out, 100–109 new.
    const partial = [
      ...records.slice(0, 50),
      ...records.slice(50, 90).map((record) => ({ ...record, City: 'Tripoli' })),
      ...range(100, 110).map((n) => studentRecord(n)),
    ];
    const mixed = await postEnvelope(service, { records: partial, top: { operation: 'insert' } });
    expect(mixed.status).toBe(200);
    expect(mixed.body.results.map((r) => r.status)).toEqual([
      ...Array(50).fill('duplicate'),
      ...Array(50).fill('queued'),
    ]);
    expect(mixed.body.results.slice(0, 50).map((r) => r.duplicate_of)).toEqual(
      first.body.results.slice(0, 50).map((r) => r.event_id),
    );

    await service.worker.drain();
    expect(await countAllEvents(service.database.db)).toBe(300);
    const stats = (await service.app.inject({ method: 'GET', url: '/api/v1/events/stats' })).json();
    expect(stats.by_status).toMatchObject({ completed: 150, duplicate: 150 });
    expect(await studentRow(service.database.db, records[60]?.id as string)).toMatchObject({
      city: 'Tripoli',
    });
    expect(await studentRow(service.database.db, records[10]?.id as string)).toMatchObject({
      city: 'Beirut',
    });
  });

  it("uses the sender's delivery id per record: a re-delivery repeats each record, new records of it are queued", async () => {
    const records = range(0, 100).map((n) => studentRecord(n));
    const top = { operation: 'update', delivery_id: 'backfill-2026-11-28-page-1' };
    const first = await postEnvelope(service, { records, top });
    expect(first.body.delivery_id).toBe('backfill-2026-11-28-page-1');
    expect(first.body.results.map((r) => r.status)).toEqual(Array(100).fill('queued'));

    const again = await postEnvelope(service, { records, top });
    expect(again.body.results.map((r) => r.status)).toEqual(Array(100).fill('duplicate'));

    // The same delivery id names the same records: the extra ones are new, the known ones repeats.
    const more = [...records.slice(0, 10), ...range(100, 105).map((n) => studentRecord(n))];
    const partial = await postEnvelope(service, { records: more, top });
    expect(partial.body.results.map((r) => r.status)).toEqual([
      ...Array(10).fill('duplicate'),
      ...Array(5).fill('queued'),
    ]);
    // A delivery header wins over the body's delivery id, as for a single delivery.
    const byHeader = await postEnvelope(service, {
      records: records.slice(0, 3),
      top,
      headers: { 'webhook-id': 'msg_2kx' },
    });
    expect(byHeader.body.delivery_id).toBe('msg_2kx');
    expect(byHeader.body.results.map((r) => r.status)).toEqual(Array(3).fill('queued'));

    const events = await eventsOfDelivery(service.database.db, 'backfill-2026-11-28-page-1');
    expect(events).toHaveLength(215);
    expect(events[0]?.dedup_key).toBe(`backfill-2026-11-28-page-1#${records[0]?.id}`);
  });

  it('reports a bad record in its own result and queues and processes the good ones', async () => {
    const good = [studentRecord(1), studentRecord(2), studentRecord(3)];
    const text = JSON.stringify({
      operation: 'insert',
      data: [
        good[0],
        { ...studentRecord(4), id: undefined },
        good[1],
        { ...studentRecord(5), Address: 'x'.repeat(10_001) },
        { ...studentRecord(6), id: 'IDPLACEHOLDER' },
        good[2],
      ],
    }).replace('"IDPLACEHOLDER"', '4.876876e18');
    const response = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/student',
      headers: { 'content-type': 'application/json' },
      payload: text,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { success: boolean; results: EnvelopeResult[] };
    expect(body.success).toBe(true);
    expect(body.results.map((r) => [r.status, r.error ?? null])).toEqual([
      ['queued', null],
      ['refused', 'missing_record_id'],
      ['queued', null],
      ['refused', 'field_too_long'],
      ['refused', 'inexact_number'],
      ['queued', null],
    ]);
    expect(body.results[3]).toMatchObject({
      record_id: studentRecord(5).id,
      event_id: null,
      index: 3,
      setting: 'MAX_FIELD_LENGTH',
      limit: 10_000,
    });
    expect(body.results[3]?.message).toContain('MAX_FIELD_LENGTH');
    expect(body.results[1]).toMatchObject({ record_id: null, event_id: null, index: 1 });

    // Metrics count each record of the envelope as a delivery.
    const metrics = await service.app.inject({ method: 'GET', url: '/metrics', headers: bearer });
    expect(metrics.body).toContain(
      'mzi_webhook_deliveries_total{module="BTEC_Students",outcome="queued",auth="none"} 3',
    );
    expect(metrics.body).toContain(
      'mzi_webhook_deliveries_total{module="BTEC_Students",outcome="bad_request",auth="none"} 3',
    );

    await service.worker.drain();
    expect(await countAllEvents(service.database.db)).toBe(3);
    for (const record of good)
      expect(await studentRow(service.database.db, record.id as string)).toMatchObject({
        academic_email: record.Academic_Email,
      });
  });

  it('answers 400 with every result when no record can be taken, and stores nothing', async () => {
    const reply = await postEnvelope(service, {
      records: [{ Academic_Email: 'a@student.example.edu' }, 'x', { id: '' }],
      query: 'operation=insert',
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ success: false, error: 'no_record_accepted' });
    expect(reply.body.message).toContain('None of the 3 record(s)');
    expect(reply.body.results.map((r) => r.error)).toEqual([
      'missing_record_id',
      'record_not_object',
      'missing_record_id',
    ]);
    expect(await countAllEvents(service.database.db)).toBe(0);
  });

  it('fails every record of an envelope whose operation mzi does not know, answering 422', async () => {
    const reply = await postEnvelope(service, {
      records: [studentRecord(1), studentRecord(2)],
      query: 'operation=archive',
    });
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({ success: false, error: 'invalid_operation' });
    expect(reply.body.message).toContain('"archive"');
    expect(reply.body.results.map((r) => [r.status, r.error])).toEqual([
      ['failed', 'invalid_operation'],
      ['failed', 'invalid_operation'],
    ]);
    const events = await eventsOfDelivery(service.database.db, reply.body.delivery_id as string);
    expect(events.map((e) => [e.status, e.event_type, e.response_status])).toEqual([
      ['failed', 'invalid', 422],
      ['failed', 'invalid', 422],
    ]);
  });

  it('refuses two different ?operation= values for the whole envelope', async () => {
    const reply = await postEnvelope(service, {
      records: [studentRecord(1)],
      query: 'operation=insert&operation=delete',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('conflicting_operation');
    expect(await countAllEvents(service.database.db)).toBe(0);
  });

  it("accepts the envelope on every module's webhook", async () => {
    for (const module of fromZoho(MODULES)) {
      const id = `5725767300000${String(MODULES.indexOf(module)).padStart(6, '0')}`;
      const reply = await postEnvelope(service, {
        module: module.name,
        records: [{ id }],
        top: { operation: 'delete', delivery_id: `${module.name}-delete-${id}` },
      });
      expect(reply.status, module.name).toBe(200);
      expect(reply.body.results).toEqual([
        { record_id: id, event_id: expect.any(String), status: 'queued', index: 0, event_type: 'delete' },
      ]);
      const [event] = await eventsOfDelivery(service.database.db, `${module.name}-delete-${id}`);
      expect(event).toMatchObject({ module: module.zohoApiName, record_id: id, event_type: 'delete' });
    }
  });
});

describe('envelope limits', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService({ MAX_RECORDS_PER_DELIVERY: '5' });
  });
  afterEach(async () => {
    await service.cleanup();
  });

  it('refuses an envelope over MAX_RECORDS_PER_DELIVERY with 413 naming the limit, storing nothing', async () => {
    const over = await postEnvelope(service, { records: range(0, 6).map((n) => studentRecord(n)) });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({
      error: 'too_many_records',
      setting: 'MAX_RECORDS_PER_DELIVERY',
      limit: 5,
    });
    expect(over.body.message).toContain('holds 6 records; at most 5');
    expect(await countAllEvents(service.database.db)).toBe(0);

    const at = await postEnvelope(service, { records: range(0, 5).map((n) => studentRecord(n)) });
    expect(at.status).toBe(200);
    expect(await countAllEvents(service.database.db)).toBe(5);
  });
});

describe('the appender and an envelope', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService({}, { threads: false });
  });
  afterEach(async () => {
    await service.cleanup();
  });

  /** The records of an envelope as intake hands them to the appender. */
  function envelopeOf(records: Record<string, unknown>[]): IncomingDelivery[] {
    const rawBody = JSON.stringify({ operation: 'insert', data: records });
    const envelope = normalizeEnvelope({
      body: parseZohoBody(Buffer.from(rawBody), 'application/json'),
      module: MODULES[0] as (typeof MODULES)[number],
      queryOperation: undefined,
      deliveryIdHeader: undefined,
    });
    return envelope.records.map((record) => {
      if (!record.ok) throw new Error('every record of these tests is readable');
      return {
        normalized: record.delivery,
        source: 'zoho',
        rawBody,
        contentType: 'application/json',
        headers: {},
      };
    });
  }

  /** One record as a single delivery (a flat JSON body). */
  function single(n: number): IncomingDelivery {
    const rawBody = JSON.stringify({ operation: 'insert', ...studentRecord(n) });
    const normalized = normalizeDelivery({
      body: parseZohoBody(Buffer.from(rawBody), 'application/json'),
      module: MODULES[0] as (typeof MODULES)[number],
      queryOperation: undefined,
      deliveryIdHeader: undefined,
    });
    return { normalized, source: 'zoho', rawBody, contentType: 'application/json', headers: {} };
  }

  it('writes an envelope whole or not at all: a record the database refuses fails only its envelope', async () => {
    const appender = createEventAppender({ db: service.database.db, dedupWindowSeconds: 60, maxAttempts: 3 });
    const broken = envelopeOf([studentRecord(1), studentRecord(2), studentRecord(3)]);
    // A row the database refuses (record_id is NOT NULL), as a failing disk or constraint would.
    (broken[1] as IncomingDelivery).normalized.recordId = null as unknown as string;
    const writes = [
      appender.append(single(10)),
      appender.appendAll(broken),
      appender.append(single(11)),
      appender.appendAll(envelopeOf([studentRecord(20), studentRecord(21)])),
    ];
    const [before, failed, after, whole] = await Promise.allSettled(writes);
    expect(failed?.status).toBe('rejected');
    expect([before?.status, after?.status, whole?.status]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const stored = await service.database.db
      .selectFrom('integration_events_log')
      .select('record_id')
      .orderBy('id')
      .execute();
    expect(stored.map((row) => row.record_id)).toEqual([10, 11, 20, 21].map((n) => studentRecord(n).id));
    await appender.close();
  });

  it('never splits an envelope between transactions, even one larger than a batch', async () => {
    let commits = 0;
    const appender = createEventAppender({
      db: service.database.db,
      dedupWindowSeconds: 60,
      maxAttempts: 3,
      maxBatch: 4,
      onAppended: () => {
        commits += 1;
      },
    });
    // Ten single deliveries take three transactions of at most four...
    await Promise.all(range(100, 110).map((n) => appender.append(single(n))));
    expect(commits).toBe(3);
    // ...an envelope of ten takes one.
    commits = 0;
    const results = await appender.appendAll(envelopeOf(range(0, 10).map((n) => studentRecord(n))));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill('queued'));
    expect(commits).toBe(1);
    await appender.close();
  });
});
