import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ClaimedEvent, Database } from '../db/schema.js';
import {
  type DependencyRef,
  findUnprocessedDependency,
  type UnprocessedDependency,
} from '../event-log/find-unprocessed-dependency.js';
import { wakeDependents } from '../event-log/wake-dependents.js';
import { holdBack } from './hold-back.js';
import type { RecordWait } from './wait-for-record.js';

/** What the worker needs to let events wait for records of other modules (README, "Records that wait for others"). */
export interface Dependencies {
  /**
   * The records an event waits for before it runs (see `ZohoModule.waitsFor`), named as the event log names
   * them; absent when no module declares any, and then not checked.
   */
  waitsFor?: ((event: ClaimedEvent) => DependencyRef[]) | undefined;
  /** Longest wait of an event of this module (its Zoho API name), from the first, in seconds. */
  waitLimitSeconds(module: string): number;
  /** A record a handler waits for (WaitForRecord names its module by `name`), as the event log names it. */
  logRef(wait: Pick<RecordWait, 'module' | 'recordId'>): DependencyRef;
  /**
   * Whether a processed batch wakes the events that wait for its records: false when no module can wait, so
   * that nothing is looked up for them (a wait raised anyway ends at its own re-check).
   */
  wakeUps: boolean;
}

export interface DependencyContext {
  db: Kysely<Database>;
  logger: Logger;
  workerId: string;
  now: () => Date;
  dependencies: Dependencies | undefined;
}

/**
 * Processes claimed events whose dependencies are processed, and puts the others back to wait (or fails those
 * whose wait ran out). Once the batch is done, wakes the events that wait for its records (README, "Records
 * that wait for others"). Checked after the claim rather than in it, which keeps the claim's plan simple.
 * Without `waitsFor` nothing is checked; without `wakeUps` nothing is woken.
 */
export async function processAfterDependencies(
  events: ClaimedEvent[],
  context: DependencyContext,
  process: (events: ClaimedEvent[]) => Promise<void>,
): Promise<void> {
  const { dependencies } = context;
  if (!dependencies) return process(events);
  const ready = dependencies.waitsFor ? await admit(events, context, dependencies) : events;
  if (ready.length === 0) return;
  await process(ready);
  if (!dependencies.wakeUps) return;
  const records = [...new Set(ready.map((event) => `${event.module}:${event.record_id}`))];
  try {
    const woken = await wakeDependents(context.db, records, context.now());
    if (woken > 0) context.logger.debug({ woken }, 'woke events waiting for records just processed');
  } catch (error) {
    // Waiting events look again by themselves: a missed wake-up only delays them.
    context.logger.warn({ err: error }, 'could not wake the events waiting for these records');
  }
}

/**
 * The events free to run; the others are written back as waiting or failed. An admitted event keeps the time
 * it started waiting until its outcome is written, so that a wait its handler raises next (WaitForRecord)
 * counts from the first.
 */
async function admit(
  events: ClaimedEvent[],
  context: DependencyContext,
  dependencies: Dependencies,
): Promise<ClaimedEvent[]> {
  const { db } = context;
  const needs = new Map<ClaimedEvent, DependencyRef[]>();
  for (const event of events) {
    const refs = dependencies.waitsFor?.(event) ?? [];
    if (refs.length > 0) needs.set(event, refs);
  }
  if (needs.size === 0) return events;
  try {
    const held = new Map<ClaimedEvent, UnprocessedDependency>();
    for (const [event, refs] of needs) {
      const unprocessed = await findUnprocessedDependency(db, event.id, refs);
      if (unprocessed) held.set(event, unprocessed);
    }
    if (held.size > 0) {
      const states = await db
        .selectFrom('integration_events_log')
        .select(['id', 'waiting_since'])
        .where(
          'id',
          'in',
          [...held.keys()].map((event) => event.id),
        )
        .execute();
      const since = new Map(states.map((row) => [row.id, row.waiting_since]));
      await db.transaction().execute(async (trx) => {
        for (const [event, record] of held) {
          const { status } = await holdBack(
            trx,
            event,
            {
              record,
              lacks: 'processed',
              waitingSince: since.get(event.id) ?? null,
              limitSeconds: dependencies.waitLimitSeconds(event.module),
            },
            context,
          );
          const log = context.logger.child({ eventId: event.event_id, recordId: event.record_id });
          const waitsFor = `${record.module}:${record.recordId}`;
          if (status === 'failed') log.warn({ waitsFor }, 'event failed: dependency missing');
          else log.info({ waitsFor }, 'event waits for another record');
        }
      });
    }
    return events.filter((event) => !held.has(event));
  } catch (error) {
    // Left claimed, these events come back when their lease ends, as after any unwritable outcome.
    context.logger.error({ err: error }, 'could not check the records these events wait for');
    return [];
  }
}
