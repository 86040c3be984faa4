import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { DEPENDENCY_MISSING, failMissingDependency } from '../event-log/fail-missing-dependency.js';
import {
  type DependencyRef,
  findUnprocessedDependency,
  type UnprocessedDependency,
} from '../event-log/find-unprocessed-dependency.js';
import { stopWaiting } from '../event-log/stop-waiting.js';
import { waitForDependency } from '../event-log/wait-for-dependency.js';
import { wakeDependents } from '../event-log/wake-dependents.js';

/** What the worker needs to hold events back until the records of other modules they need are processed. */
export interface Dependencies {
  /** The records an event waits for, named as the event log names them (see `ZohoModule.waitsFor`). */
  waitsFor(event: ClaimedEvent): DependencyRef[];
  /** Longest wait, from the first, before the event fails with `dependency.missing`, in seconds. */
  waitLimitSeconds: number;
}

export interface DependencyContext {
  db: Kysely<Database>;
  logger: Logger;
  workerId: string;
  now: () => Date;
  dependencies: Dependencies | undefined;
}

/** Waiting events look again after as long as they have waited so far, within these bounds. */
const RECHECK_MIN_MS = 1000;
const RECHECK_MAX_MS = 5 * 60_000;

/**
 * Processes claimed events whose dependencies are processed, and puts the others back to wait (or fails those
 * whose wait ran out). Once the batch is done, wakes the events that wait for its records (README, "Records
 * that wait for others"). Checked after the claim rather than in it, which keeps the claim's plan simple.
 * Without `dependencies` (no module waits for anything) nothing can be waiting, and neither is done.
 */
export async function processAfterDependencies(
  events: ClaimedEvent[],
  context: DependencyContext,
  process: (events: ClaimedEvent[]) => Promise<void>,
): Promise<void> {
  if (!context.dependencies) return process(events);
  const ready = await admit(events, context, context.dependencies);
  if (ready.length === 0) return;
  await process(ready);
  const records = [...new Set(ready.map((event) => `${event.module}:${event.record_id}`))];
  try {
    const woken = await wakeDependents(context.db, records, context.now());
    if (woken > 0) context.logger.debug({ woken }, 'woke events waiting for records just processed');
  } catch (error) {
    // Waiting events look again by themselves: a missed wake-up only delays them.
    context.logger.warn({ err: error }, 'could not wake the events waiting for these records');
  }
}

/** The events free to run; the others are written back as waiting or failed. */
async function admit(
  events: ClaimedEvent[],
  context: DependencyContext,
  dependencies: Dependencies,
): Promise<ClaimedEvent[]> {
  const { db } = context;
  const needs = new Map<ClaimedEvent, DependencyRef[]>();
  for (const event of events) {
    const refs = dependencies.waitsFor(event);
    if (refs.length > 0) needs.set(event, refs);
  }
  if (needs.size === 0) return events;
  try {
    const states = await db
      .selectFrom('integration_events_log')
      .select(['id', 'waits_for', 'waiting_since'])
      .where(
        'id',
        'in',
        [...needs.keys()].map((event) => event.id),
      )
      .execute();
    const stateOf = new Map(states.map((row) => [row.id, row]));
    const held = new Map<ClaimedEvent, UnprocessedDependency>();
    for (const [event, refs] of needs) {
      const unprocessed = await findUnprocessedDependency(db, event.id, refs);
      if (unprocessed) held.set(event, unprocessed);
    }
    const cleared = [...needs.keys()].filter((event) => {
      const state = stateOf.get(event.id);
      return !held.has(event) && (state?.waits_for != null || state?.waiting_since != null);
    });
    if (held.size > 0 || cleared.length > 0) {
      await db.transaction().execute(async (trx) => {
        for (const [event, unprocessed] of held) {
          await holdBack(trx, event, unprocessed, stateOf.get(event.id)?.waiting_since ?? null, context);
        }
        await stopWaiting(
          trx,
          cleared.map((event) => event.id),
        );
      });
    }
    return events.filter((event) => !held.has(event));
  } catch (error) {
    // Left claimed, these events come back when their lease ends, as after any unwritable outcome.
    context.logger.error({ err: error }, 'could not check the records these events wait for');
    return [];
  }
}

/** Puts one event back to wait for its dependency, or fails it once it has waited the whole limit. */
async function holdBack(
  trx: Kysely<Database>,
  event: ClaimedEvent,
  unprocessed: UnprocessedDependency,
  waitingSince: string | null,
  context: DependencyContext,
): Promise<void> {
  const limitMs = (context.dependencies?.waitLimitSeconds ?? 0) * 1000;
  const now = context.now();
  const since = waitingSince ?? now.toISOString();
  const waitedMs = now.getTime() - Date.parse(since);
  const what = `${unprocessed.module} record ${unprocessed.recordId}`;
  const log = context.logger.child({ eventId: event.event_id, recordId: event.record_id });
  if (waitedMs >= limitMs) {
    const finished = now.toISOString();
    const message = `Waited ${describeSeconds(limitMs / 1000)} for ${what}, which is not processed: ${unprocessed.reason}. Retry this event once it is.`;
    await failMissingDependency(trx, {
      id: event.id,
      workerId: context.workerId,
      errorMessage: message,
      finished,
      attempt: {
        event_id: event.event_id,
        attempt: event.attempts,
        started_at: finished,
        finished_at: finished,
        outcome: 'failed',
        error_code: DEPENDENCY_MISSING,
        error_message: message,
        worker_id: context.workerId,
      },
    });
    log.warn(
      { waitsFor: `${unprocessed.module}:${unprocessed.recordId}` },
      'event failed: dependency missing',
    );
    return;
  }
  const delayMs = Math.min(Math.max(waitedMs, RECHECK_MIN_MS), RECHECK_MAX_MS, limitMs - waitedMs);
  await waitForDependency(trx, {
    id: event.id,
    workerId: context.workerId,
    waitsFor: `${unprocessed.module}:${unprocessed.recordId}`,
    waitingSince: since,
    nextAttemptAt: new Date(now.getTime() + delayMs).toISOString(),
    errorMessage: `Waits for ${what}: ${unprocessed.reason}. It runs once that record is processed, or fails after ${describeSeconds(limitMs / 1000)}.`,
    now: now.toISOString(),
  });
  log.info({ waitsFor: `${unprocessed.module}:${unprocessed.recordId}` }, 'event waits for another record');
}

/** A wait limit in the unit an operator set it in. */
function describeSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
