import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { DEPENDENCY_MISSING, failMissingDependency } from '../event-log/fail-missing-dependency.js';
import type { UnprocessedDependency } from '../event-log/find-unprocessed-dependency.js';
import { waitForDependency } from '../event-log/wait-for-dependency.js';

/** A record an event cannot run without yet, and how long the event may wait for it. */
export interface HeldBack {
  /** The record, as the event log names it, and why it holds the event back. */
  record: UnprocessedDependency;
  /** What the record lacks: `processed` (`waitsFor`) or `ready` (a handler's WaitForRecord). */
  lacks: 'processed' | 'ready';
  /** When the event started waiting (null: now), and its module's limit from then, in seconds. */
  waitingSince: string | null;
  limitSeconds: number;
}

export interface HoldBackContext {
  workerId: string;
  now: () => Date;
}

/** Waiting events look again after as long as they have waited so far, within these bounds. */
const RECHECK_MIN_MS = 1000;
const RECHECK_MAX_MS = 5 * 60_000;

/**
 * Puts one claimed event back to wait for a record, or fails it `dependency.missing` once it has waited its
 * whole limit; returns which, with the message the event now shows.
 */
export async function holdBack(
  trx: Kysely<Database>,
  event: ClaimedEvent,
  held: HeldBack,
  context: HoldBackContext,
): Promise<{ status: 'waiting' | 'failed'; message: string }> {
  const { record, limitSeconds } = held;
  const limitMs = limitSeconds * 1000;
  const now = context.now();
  const since = held.waitingSince ?? now.toISOString();
  const waitedMs = now.getTime() - Date.parse(since);
  const what = `${record.module} record ${record.recordId}`;
  if (waitedMs >= limitMs) {
    const finished = now.toISOString();
    const message = `Waited ${describeSeconds(limitSeconds)} for ${what}, which is not ${held.lacks}: ${record.reason}. Retry this event once it is.`;
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
    return { status: 'failed', message };
  }
  const delayMs = Math.min(Math.max(waitedMs, RECHECK_MIN_MS), RECHECK_MAX_MS, limitMs - waitedMs);
  const then =
    held.lacks === 'processed'
      ? 'It runs once that record is processed'
      : 'It is tried again as soon as an event of that record completes';
  const message = `Waits for ${what}: ${record.reason}. ${then}, or fails after ${describeSeconds(limitSeconds)}.`;
  await waitForDependency(trx, {
    id: event.id,
    workerId: context.workerId,
    waitsFor: `${record.module}:${record.recordId}`,
    waitingSince: since,
    nextAttemptAt: new Date(now.getTime() + delayMs).toISOString(),
    errorMessage: message,
    now: now.toISOString(),
  });
  return { status: 'waiting', message };
}

/** A wait limit in the unit an operator set it in. */
function describeSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
