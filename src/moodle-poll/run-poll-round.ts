import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { coerceError } from '../errors.js';
import type { MoodlePollContext, MoodlePollSummary, ZohoModule } from '../modules/zoho-module.js';
import { acquireSyncLease, readSyncState, releaseSyncLease } from '../sync/sync-state.js';
import { withSyncTables } from '../sync/zoho-sync-tables.js';
import { POLL_ROW_PREFIX } from './read-poll-status.js';

/** A poll's lease, renewed by the next round: a process that dies mid-poll gives it up this much later. */
const POLL_LEASE_SECONDS = 600;

/** The state row of a module's Moodle poll (beside the Zoho sync's rows, which are named by module). */
export function pollStateRow(module: Pick<ZohoModule, 'name'>): string {
  return `${POLL_ROW_PREFIX}${module.name}`;
}

export interface PollRoundOptions<S> {
  readonly module: ZohoModule<S>;
  readonly context: MoodlePollContext<S>;
  readonly owner: string;
  readonly intervalSeconds: number;
  readonly dailyCreditBudget: number | undefined;
  readonly creditsLast24h: () => Promise<number>;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly isStopping?: () => boolean;
}

export interface PollRoundOutcome {
  /** `skipped`: another process holds the poll, or ran it less than an interval ago. */
  status: 'skipped' | 'done' | 'budget_reached' | 'error';
  summary?: MoodlePollSummary | undefined;
  message?: string | undefined;
}

/**
 * One background poll of a module's Moodle records, in at most one process at a time (a lease on its state
 * row) and at most once per interval whichever process runs it. It waits while Zoho's credit budget is spent:
 * what it would append could not be sent anyway.
 */
export async function runPollRound<S>(options: PollRoundOptions<S>): Promise<PollRoundOutcome> {
  const { db } = options.context;
  const now = options.now ?? (() => new Date());
  const row = pollStateRow(options.module);
  const owner = options.owner;
  const held = await acquireSyncLease(db, { module: row, owner, now: now(), seconds: POLL_LEASE_SECONDS });
  if (!held) return { status: 'skipped' };
  try {
    const state = await readSyncState(db, row, now());
    const last = state.last_success_at ? Date.parse(state.last_success_at) : Number.NEGATIVE_INFINITY;
    if (now().getTime() - last < options.intervalSeconds * 1000) return { status: 'skipped' };
    const spent = await options.creditsLast24h();
    const budget = options.dailyCreditBudget;
    if (budget !== undefined && spent >= budget) {
      const message = `${spent} Zoho API credits spent in the last 24 hours, at or over ZOHO_DAILY_CREDIT_BUDGET (${budget}): polling waits`;
      await record(db, row, now(), { last_error: message, last_error_at: now().toISOString() });
      return { status: 'budget_reached', message };
    }
    const poll = options.module.fromMoodle;
    if (!poll) return { status: 'skipped' };
    const summary = await poll.poll(options.context, { isStopping: options.isStopping });
    await record(db, row, now(), {
      last_success_at: now().toISOString(),
      last_summary: JSON.stringify(summary),
      last_error: null,
      last_error_at: null,
    });
    if (summary.problems.length > 0) {
      options.logger.warn(
        { module: options.module.name, problems: summary.problems.length },
        summary.problems.join('; '),
      );
    }
    return { status: 'done', summary };
  } catch (error) {
    const message = coerceError(error).message;
    options.logger.error({ err: coerceError(error), module: options.module.name }, 'Moodle poll failed');
    await record(db, row, now(), {
      last_error: message.slice(0, 2000),
      last_error_at: now().toISOString(),
    }).catch(() => undefined);
    return { status: 'error', message };
  } finally {
    await releaseSyncLease(db, row, owner);
  }
}

async function record(
  db: Kysely<Database>,
  row: string,
  now: Date,
  values: {
    last_success_at?: string;
    last_summary?: string;
    last_error?: string | null;
    last_error_at?: string | null;
  },
): Promise<void> {
  await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set({ ...values, updated_at: now.toISOString() })
    .where('module', '=', row)
    .execute();
}
