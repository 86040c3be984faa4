import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import {
  type AppendResult,
  createEventAppender,
  type IncomingDelivery,
} from '../../src/webhooks/create-event-appender.js';
import type { NormalizedDelivery } from '../../src/webhooks/normalize-delivery.js';
import { migratedDatabasePerTest } from '../helpers/test-database.js';

// Several groups of deliveries written at once (PostgreSQL's appender, concurrentGroups > 1): they must still
// keep each record's arrival order and dedup re-deliveries, as a single sequence of groups does.

const database = migratedDatabasePerTest();

function delivery(recordId: string, city: string, deliveryId?: string): IncomingDelivery {
  const normalized: NormalizedDelivery = {
    module: 'BTEC_Students',
    recordId,
    operation: 'update',
    operationSource: 'query',
    invalidOperation: undefined,
    data: { City: city },
    deliveryId,
    warnings: [],
    format: 'json',
  };
  return { normalized, source: 'zoho', rawBody: '{}', contentType: 'application/json', headers: {} };
}

/**
 * The database, except that the first transaction started through it waits for `gate` before it begins:
 * a group held up (a slow disk, a lock) while the next ones are written.
 */
function withFirstTransactionHeld(db: Kysely<Database>, gate: Promise<void>): Kysely<Database> {
  let held = false;
  return new Proxy(db, {
    get(target, property) {
      if (property !== 'transaction') {
        // Kysely's methods read private fields: call them on the real instance.
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return () => {
        const builder = target.transaction();
        const wait = !held;
        held = true;
        return {
          async execute<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
            if (wait) await gate;
            return builder.execute(fn);
          },
        };
      };
    },
  });
}

async function logOrder(db: Kysely<Database>) {
  return db
    .selectFrom('integration_events_log')
    .select(['id', 'event_id', 'record_id', 'status', 'payload', 'duplicate_of'])
    .orderBy('id')
    .execute();
}

describe('event appender with concurrent groups', () => {
  it('writes a group while an earlier one is held, but never a later event of the held group’s record', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const appender = createEventAppender({
      db: withFirstTransactionHeld(database().db, gate),
      dedupWindowSeconds: 60,
      maxAttempts: 3,
      maxBatch: 1,
      concurrentGroups: 4,
    });
    const settled = new Set<string>();
    const track = (name: string, answer: Promise<AppendResult>) =>
      answer.then((result) => {
        settled.add(name);
        return result;
      });

    const a1 = track('a1', appender.append(delivery('A', 'first')));
    await new Promise((resolve) => setImmediate(resolve));
    const b1 = track('b1', appender.append(delivery('B', 'other')));
    const a2 = track('a2', appender.append(delivery('A', 'second')));

    // B's group is written beside the held one; A's second delivery waits for A's first.
    await b1;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([...settled]).toEqual(['b1']);

    release();
    const [first, second] = await Promise.all([a1, a2]);
    await appender.flush();
    const rows = await logOrder(database().db);
    const ofA = rows.filter((row) => row.record_id === 'A');
    expect(ofA.map((row) => row.event_id)).toEqual([first.eventId, second.eventId]);
    expect(ofA.map((row) => JSON.parse(row.payload).data.City)).toEqual(['first', 'second']);
  });

  it('keeps per-record order and dedup across many concurrent groups', async () => {
    const appender = createEventAppender({
      db: database().db,
      dedupWindowSeconds: 60,
      maxAttempts: 3,
      maxBatch: 3,
      concurrentGroups: 4,
    });
    const answers: Array<{ deliveryId: string; answer: Promise<AppendResult> }> = [];
    // 10 records × 12 edits, sent in turns of the event loop; every fourth edit is delivered twice.
    for (let step = 0; step < 12; step++) {
      for (let r = 0; r < 10; r++) {
        const recordId = `R${r}`;
        const deliveryId = `${recordId}-${step}`;
        const copies = step % 4 === 0 ? 2 : 1;
        for (let copy = 0; copy < copies; copy++) {
          answers.push({
            deliveryId,
            answer: appender.append(delivery(recordId, `step ${step}`, deliveryId)),
          });
        }
      }
      if (step % 3 === 2) await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(answers.map((a) => a.answer));
    await appender.flush();

    const firstOf = new Map<string, string>();
    for (const [i, sent] of answers.entries()) {
      const result = results[i] as AppendResult;
      const original = firstOf.get(sent.deliveryId);
      if (original === undefined) {
        expect(result.status).toBe('queued');
        firstOf.set(sent.deliveryId, result.eventId);
      } else {
        expect(result.status).toBe('duplicate');
        expect(result.duplicateOf).toBe(original);
      }
    }

    const rows = await logOrder(database().db);
    expect(rows).toHaveLength(answers.length);
    for (let r = 0; r < 10; r++) {
      const accepted = rows.filter((row) => row.record_id === `R${r}` && row.status === 'pending');
      expect(accepted.map((row) => JSON.parse(row.payload).data.City)).toEqual(
        Array.from({ length: 12 }, (_, step) => `step ${step}`),
      );
    }
  });
});
