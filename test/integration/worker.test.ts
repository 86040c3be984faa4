import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLAIMED_EVENT_COLUMNS, type ClaimedEvent } from '../../src/db/schema.js';
import { claimEvents } from '../../src/event-log/claim-events.js';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { retryEvent } from '../../src/event-log/retry-event.js';
import { retryMatchingEvents } from '../../src/event-log/retry-matching-events.js';
import { createEventAppender, type EventAppender } from '../../src/webhooks/create-event-appender.js';
import type { NormalizedDelivery } from '../../src/webhooks/normalize-delivery.js';
import { createWorker, type WorkerOptions } from '../../src/worker/create-worker.js';
import type { EventHandler } from '../../src/worker/event-handler.js';
import { eventually } from '../helpers/eventually.js';
import { migratedDatabasePerTest } from '../helpers/test-database.js';

const database = migratedDatabasePerTest();
let appender: EventAppender;
let clock: Date;

beforeEach(() => {
  clock = new Date('2026-11-28T10:00:00.000Z');
  appender = createEventAppender({
    db: database().db,
    dedupWindowSeconds: 60,
    maxAttempts: 3,
    now: () => clock,
  });
});

function delivery(recordId: string, city: string): Parameters<EventAppender['append']>[0] {
  const normalized: NormalizedDelivery = {
    module: 'Test',
    recordId,
    operation: 'update',
    operationSource: 'query',
    invalidOperation: undefined,
    data: { City: city },
    deliveryId: undefined,
    warnings: [],
    format: 'form',
  };
  return { normalized, source: 'zoho', rawBody: '', contentType: undefined, headers: {} };
}

function worker(handler: EventHandler, extra: Partial<WorkerOptions> = {}) {
  return createWorker({
    db: database().db,
    logger: pino({ level: 'silent' }),
    handlers: { Test: handler },
    concurrency: 4,
    pollIntervalMs: 1000,
    leaseSeconds: 60,
    releaseAllOnStart: false,
    now: () => clock,
    random: () => 0.5,
    ...extra,
  });
}

const city = (event: ClaimedEvent) => (JSON.parse(event.payload) as { data: { City: string } }).data.City;
const row = (eventId: string) =>
  database()
    .db.selectFrom('integration_events_log')
    .selectAll()
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();

describe('worker', () => {
  it('lets a trickle of events gather into one batch after a partial claim (lingerMs)', async () => {
    const batches: string[][] = [];
    const w = createWorker({
      db: database().db,
      logger: pino({ level: 'silent' }),
      handlers: {
        Test: {
          handleBatch: async (events) => {
            batches.push(events.map(city));
            return events.map(() => ({ ok: true as const, outcome: { result: {} } }));
          },
        },
      },
      concurrency: 4,
      batchSize: 10,
      lingerMs: 200,
      pollIntervalMs: 60_000,
      leaseSeconds: 60,
      releaseAllOnStart: false,
      now: () => clock,
    });
    await appender.append(delivery('r1', 'a'));
    await w.start();
    await eventually(() => batches.length === 1, { what: 'the first batch' });
    // Three events, each announced at once: claimed together once the linger is over, not one by one.
    for (const [record, c] of [
      ['r2', 'b'],
      ['r3', 'c'],
      ['r4', 'd'],
    ] as const) {
      await appender.append(delivery(record, c));
      w.wake();
    }
    await eventually(() => batches.flat().length === 4, { what: 'all four events in batches' });
    await w.stop();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('commits a batch in shorter transactions while intake waits for the write lock, each outcome once', async () => {
    for (const [i, c] of ['a', 'b', 'c', 'd', 'e', 'f'].entries())
      await appender.append(delivery(`r${i}`, c));
    // A Kysely transaction is a new instance each time: the instances `apply` sees tell the transactions apart.
    const transactions: Array<[string, object]> = [];
    let waiting = false;
    const handler: EventHandler = async (event) => ({
      result: {},
      apply: async (trx) => {
        transactions.push([city(event), trx]);
        // The third event's writes fail: the database refusing them, not a verdict on the event.
        if (city(event) === 'c' && waiting) throw new Error('disk I/O error');
      },
    });
    waiting = true;
    const w = worker(handler, { intakeWaiting: () => waiting });
    await w.drain();
    const committedApart = new Set(transactions.slice(0, 2).map(([, trx]) => trx));
    expect(committedApart.size).toBe(2);
    // What was committed before the failure stays; the rest is written one by one, and c fails saying why.
    const attempts = await database()
      .db.selectFrom('event_attempts as a')
      .innerJoin('integration_events_log as e', 'e.event_id', 'a.event_id')
      .select(['e.payload', 'a.outcome'])
      .orderBy('a.id')
      .execute();
    expect(attempts.map((a) => [JSON.parse(a.payload).data.City, a.outcome])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['c', 'failed'],
      ['d', 'completed'],
      ['e', 'completed'],
      ['f', 'completed'],
    ]);

    // Without intake waiting, a batch's outcomes share one transaction.
    transactions.length = 0;
    waiting = false;
    for (const [i, c] of ['g', 'h', 'i'].entries()) await appender.append(delivery(`s${i}`, c));
    await w.drain();
    expect(new Set(transactions.map(([, trx]) => trx)).size).toBe(1);
  });

  it('processes the events of one record in arrival order, one at a time', async () => {
    for (const c of ['a', 'b', 'c', 'd']) await appender.append(delivery('r1', c));
    await appender.append(delivery('r2', 'x'));
    const seen: string[] = [];
    let concurrentForR1 = 0;
    let maxConcurrentForR1 = 0;
    const w = worker(async (event) => {
      if (event.record_id === 'r1') {
        concurrentForR1 += 1;
        maxConcurrentForR1 = Math.max(maxConcurrentForR1, concurrentForR1);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(`${event.record_id}:${city(event)}`);
      if (event.record_id === 'r1') concurrentForR1 -= 1;
      return { result: {} };
    });
    await w.drain();
    expect(seen.filter((s) => s.startsWith('r1'))).toEqual(['r1:a', 'r1:b', 'r1:c', 'r1:d']);
    expect(seen).toContain('r2:x');
    expect(maxConcurrentForR1).toBe(1);
  });

  it('claims only the oldest unfinished event of a record', async () => {
    await appender.append(delivery('r1', 'a'));
    await appender.append(delivery('r1', 'b'));
    await appender.append(delivery('r2', 'c'));
    const claimed = await claimEvents(database().db, {
      workerId: 'w',
      limit: 10,
      leaseSeconds: 60,
      now: clock,
    });
    expect(claimed.map(city)).toEqual(['a', 'c']);
    // What the worker reads, not the request as received (raw body, headers, answer); the lease is in the log.
    expect(Object.keys(claimed[0] ?? {}).sort()).toEqual([...CLAIMED_EVENT_COLUMNS].sort());
    expect(claimed[0]?.attempts).toBe(1);
    expect(await row(claimed[0]?.event_id as string)).toMatchObject({ status: 'processing', locked_by: 'w' });
  });

  it('retries a passing failure with backoff, holds later events of the record back, then completes', async () => {
    const first = await appender.append(delivery('r1', 'a'));
    const second = await appender.append(delivery('r1', 'b'));
    let fail = true;
    const processed: string[] = [];
    const w = worker(async (event) => {
      if (fail && city(event) === 'a')
        throw new ProcessingError('test.down', 'Moodle is down', { retryable: true });
      processed.push(city(event));
      return { result: { ok: true } };
    });
    await w.drain();
    let a = await row(first.eventId);
    expect(a.status).toBe('pending');
    expect(a.attempts).toBe(1);
    expect(a.error_message).toContain('Moodle is down');
    expect(a.error_message).toContain('will retry');
    expect(new Date(a.next_attempt_at).getTime() - clock.getTime()).toBe(10_000);
    expect((await row(second.eventId)).status).toBe('pending');
    expect(processed).toEqual([]);

    fail = false;
    clock = new Date(clock.getTime() + 11_000);
    await w.drain();
    a = await row(first.eventId);
    expect(a.status).toBe('completed');
    expect(a.attempts).toBe(2);
    expect(processed).toEqual(['a', 'b']);
    const attempts = await database()
      .db.selectFrom('event_attempts')
      .selectAll()
      .where('event_id', '=', first.eventId)
      .execute();
    expect(attempts.map((x) => x.outcome)).toEqual(['retry', 'completed']);
  });

  it('fails an event after max_attempts passing failures, keeping the last reason', async () => {
    const appended = await appender.append(delivery('r1', 'a'));
    const w = worker(async () => {
      throw new ProcessingError('test.down', 'still down', { retryable: true });
    });
    for (let i = 0; i < 3; i += 1) {
      await w.drain();
      clock = new Date(clock.getTime() + 3_600_000);
    }
    const event = await row(appended.eventId);
    expect(event.status).toBe('failed');
    expect(event.attempts).toBe(3);
    expect(event.error_message).toBe('still down');
  });

  it('fails at once on a permanent error and lets later events of the record go on', async () => {
    const first = await appender.append(delivery('r1', 'bad'));
    const second = await appender.append(delivery('r1', 'good'));
    const w = worker(async (event) => {
      if (city(event) === 'bad') throw new ProcessingError('validation.x', 'bad data');
      return { result: {} };
    });
    await w.drain();
    expect((await row(first.eventId)).status).toBe('failed');
    expect((await row(first.eventId)).attempts).toBe(1);
    expect((await row(second.eventId)).status).toBe('completed');
  });

  it('turns an unexpected exception into a failed event without stopping the worker', async () => {
    const first = await appender.append(delivery('r1', 'boom'));
    const second = await appender.append(delivery('r2', 'fine'));
    const w = worker(async (event) => {
      if (city(event) === 'boom') throw new TypeError('x is undefined');
      return { result: {} };
    });
    await w.drain();
    const failed = await row(first.eventId);
    expect(failed.status).toBe('failed');
    expect(failed.error_code).toBe('worker.unexpected');
    expect((await row(second.eventId)).status).toBe('completed');
  });

  it('fails an event with worker.outcome_unwritable when the database refuses its outcome, and completes the others', async () => {
    const refused = await appender.append(delivery('r1', 'refused'));
    const fine = await appender.append(delivery('r2', 'fine'));
    const later = await appender.append(delivery('r1', 'later'));
    const w = worker(async (event) => ({
      result: {},
      // A write that both databases refuse (a NOT NULL column left empty), as a value too long for its column is.
      apply: async (trx) => {
        if (city(event) !== 'refused') return;
        await trx
          .insertInto('event_attempts')
          .values({
            event_id: null as unknown as string,
            attempt: 1,
            started_at: clock.toISOString(),
            finished_at: clock.toISOString(),
            outcome: 'completed',
            worker_id: 'test',
          })
          .execute();
      },
    }));
    await w.drain();
    const failed = await row(refused.eventId);
    expect(failed.status).toBe('failed');
    expect(failed.error_code).toBe('worker.outcome_unwritable');
    expect(failed.error_message).toMatch(
      /^The database refused this event's result \(.+\); correct the record/,
    );
    expect((await row(fine.eventId)).status).toBe('completed');
    expect((await row(later.eventId)).status).toBe('completed');
  });

  it('puts an event back to pending, not failed, when the database connection is lost while it is processed', async () => {
    const lastAttempt = createEventAppender({
      db: database().db,
      dedupWindowSeconds: 60,
      maxAttempts: 1,
      now: () => clock,
    });
    const appended = await lastAttempt.append(delivery('r1', 'a'));
    const w = worker(async () => {
      // What node-postgres raises when pg_terminate_backend, a restart or a failover ends the connection.
      throw Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      });
    });
    await w.drain();
    const event = await row(appended.eventId);
    expect(event.status).toBe('pending');
    expect(event.attempts).toBe(1);
    expect(event.error_code).toBe('worker.database_unavailable');
    expect(event.error_message).toContain('57P01');
  });

  it('writes an outcome again while the database is away, and completes the event in its one attempt', async () => {
    const appended = await appender.append(delivery('r1', 'a'));
    let lost = 2;
    const w = worker(async () => ({
      result: {},
      apply: async () => {
        if (lost-- > 0) throw new Error('Connection terminated unexpectedly');
      },
    }));
    await w.drain();
    const event = await row(appended.eventId);
    expect(event.status).toBe('completed');
    expect(event.attempts).toBe(1);
    const attempts = await database()
      .db.selectFrom('event_attempts')
      .select('outcome')
      .where('event_id', '=', appended.eventId)
      .execute();
    expect(attempts).toEqual([{ outcome: 'completed' }]);
  });

  it('puts an event back to pending, not failed, when the connection stays lost while its outcome is written', async () => {
    const appended = await appender.append(delivery('r1', 'a'));
    const w = worker(
      async () => ({
        result: {},
        apply: async () => {
          throw new Error('Connection terminated unexpectedly');
        },
      }),
      // Outcomes are written again for up to half the lease.
      { leaseSeconds: 2 },
    );
    await w.drain();
    const event = await row(appended.eventId);
    expect(event.status).toBe('pending');
    expect(event.error_code).toBe('worker.database_unavailable');
  });

  it('retries a failed event once on request, and retries all failed events', async () => {
    const a = await appender.append(delivery('r1', 'a'));
    const b = await appender.append(delivery('r2', 'b'));
    let ok = false;
    const w = worker(async () => {
      if (!ok) throw new ProcessingError('validation.x', 'bad');
      return { result: {} };
    });
    await w.drain();
    expect((await row(a.eventId)).status).toBe('failed');

    await retryEvent(database().db, a.eventId, clock);
    const queued = await row(a.eventId);
    expect(queued).toMatchObject({ status: 'pending', max_attempts: 2, error_message: null });
    await w.drain();
    expect((await row(a.eventId)).status).toBe('failed');
    expect((await row(a.eventId)).attempts).toBe(2);

    ok = true;
    expect(await retryMatchingEvents(database().db, {}, clock)).toBe(2);
    await w.drain();
    expect((await row(a.eventId)).status).toBe('completed');
    expect((await row(b.eventId)).status).toBe('completed');
  });

  it('refuses to retry a duplicate or pending event with a clear reason', async () => {
    const a = await appender.append(delivery('r1', 'a'));
    await expect(retryEvent(database().db, a.eventId, clock)).rejects.toThrow(
      /cannot be retried: it is pending/,
    );
    await expect(retryEvent(database().db, 'no-such-event', clock)).rejects.toThrow(/No event with id/);
  });

  it('takes back events whose lease expired (their worker died) and processes them', async () => {
    const a = await appender.append(delivery('r1', 'a'));
    await claimEvents(database().db, { workerId: 'dead-worker', limit: 10, leaseSeconds: 60, now: clock });
    expect((await row(a.eventId)).status).toBe('processing');
    const w = worker(async () => ({ result: {} }));
    await w.drain();
    expect((await row(a.eventId)).status).toBe('processing');

    clock = new Date(clock.getTime() + 61_000);
    await w.start();
    await w.drain();
    await w.stop();
    expect((await row(a.eventId)).status).toBe('completed');
  });

  it('gives back every claimed event at start when it is the only worker (SQLite)', async () => {
    const a = await appender.append(delivery('r1', 'a'));
    await claimEvents(database().db, { workerId: 'previous-run', limit: 10, leaseSeconds: 300, now: clock });
    const w = worker(async () => ({ result: {} }), { releaseAllOnStart: true });
    await w.start();
    await w.drain();
    await w.stop();
    expect((await row(a.eventId)).status).toBe('completed');
  });

  it('purges completed events older than RETENTION_DAYS in the background, and keeps failed ones', async () => {
    await appender.append(delivery('r1', 'ok'));
    const failed = await appender.append(delivery('r2', 'bad'));
    const w = worker(
      async (event) => {
        if (city(event) === 'bad') throw new ProcessingError('validation.x', 'bad');
        return { result: {} };
      },
      { retentionDays: 90 },
    );
    await w.drain();
    clock = new Date(clock.getTime() + 91 * 86_400_000);
    await w.start();
    await eventually(
      async () => {
        const left = await database().db.selectFrom('integration_events_log').select('event_id').execute();
        expect(left.map((row) => row.event_id)).toEqual([failed.eventId]);
      },
      { what: 'the purge of the completed event' },
    );
    await w.stop();
  });
});
