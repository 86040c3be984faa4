import { isDatabaseUnavailable } from '../db/connection-errors.js';
import type { WorkerState } from './worker-state.js';

const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 5000;

/**
 * Whether a batch's outcomes are written again after `error`: only when the database is away (not when it
 * refuses the data), not while the worker stops, and only if waiting `waitMs` more stays within the deadline.
 */
export function shouldWriteAgain(p: {
  error: unknown;
  stopping: boolean;
  nowMs: number;
  waitMs: number;
  deadlineMs: number;
}): boolean {
  return !p.stopping && isDatabaseUnavailable(p.error) && p.nowMs + p.waitMs <= p.deadlineMs;
}

/** The wait before the next write after one of `waitMs`: doubling, capped. */
export function nextOutageWait(waitMs: number): number {
  return Math.min(waitMs * 2, LONGEST_WAIT_MS);
}

/**
 * While the database is away (a restart, a failover), outcomes already worked out (a Moodle account made) are
 * written again after growing waits, for up to half the lease, rather than dropped: dropped, their events
 * would be processed again, and one on its last attempt would fail as interrupted. Not while stopping.
 */
export function createOutageRewrite(state: WorkerState): {
  waitBeforeAgain(error: unknown): Promise<boolean>;
} {
  const deadlineMs = Date.now() + (state.options.leaseSeconds * 1000) / 2;
  let waitMs = FIRST_WAIT_MS;
  return {
    /** Waits and returns true when the outcomes should be written again after `error`; false at once if not. */
    async waitBeforeAgain(error) {
      if (!shouldWriteAgain({ error, stopping: state.stopping, nowMs: Date.now(), waitMs, deadlineMs }))
        return false;
      state.logger.warn(
        { err: error, retryInMs: waitMs },
        'the database is unavailable; writing the outcomes again',
      );
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs = nextOutageWait(waitMs);
      return true;
    },
  };
}
