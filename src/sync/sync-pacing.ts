import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { BeforePage } from './sync-run.js';

/** How a background sync makes way for live events (README, "Catching up: mzi sync"). */
export interface SyncPacing {
  /** Pause before each page, so a long sync spreads its calls and its appends. */
  readonly pageGapMs: number;
  /** Due pending events (of any source) above which the sync waits for the worker before its next page. */
  readonly backlogLimit: number;
  /** How long it checks again while waiting, and how long it waits in all before it stops (resumed next run). */
  readonly backlogCheckMs: number;
  readonly backlogWaitMs: number;
}

export const DEFAULT_SYNC_PACING: SyncPacing = {
  pageGapMs: 200,
  backlogLimit: 400,
  backlogCheckMs: 1000,
  backlogWaitMs: 5 * 60_000,
};

/**
 * Before each page of a background sync: stops when the daily credit budget is reached, waits while the log
 * holds a backlog of pending events (so live events never queue behind thousands of sync events), and pauses
 * between pages.
 */
export function pacedBeforePage(options: {
  db: Kysely<Database>;
  pacing: SyncPacing;
  /** A reason to stop now (the budget), checked before each page. */
  budgetStop: () => Promise<string | undefined>;
  sleep?: (ms: number) => Promise<void>;
}): BeforePage {
  const { db, pacing } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let first = true;
  return async () => {
    const budget = await options.budgetStop();
    if (budget) return { reason: 'budget', message: budget };
    if (!first && pacing.pageGapMs > 0) await sleep(pacing.pageGapMs);
    first = false;
    let waited = 0;
    while ((await pendingBeyond(db, pacing.backlogLimit)) > pacing.backlogLimit) {
      if (waited >= pacing.backlogWaitMs)
        return {
          reason: 'backlog',
          message: `more than ${pacing.backlogLimit} events are pending: the sync makes way for them and resumes on its next run`,
        };
      await sleep(pacing.backlogCheckMs);
      waited += pacing.backlogCheckMs;
    }
    return undefined;
  };
}

/**
 * How many pending events are due now, counted up to `limit + 1` only (the pending index answers it). Events
 * waiting for another record, or for a later retry, are no work for the worker yet.
 */
async function pendingBeyond(db: Kysely<Database>, limit: number): Promise<number> {
  const rows = await db
    .selectFrom('integration_events_log')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', new Date().toISOString())
    .limit(limit + 1)
    .execute();
  return rows.length;
}
