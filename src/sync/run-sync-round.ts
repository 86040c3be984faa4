import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { coerceError } from '../errors.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import { storeWebhookFailures } from './store-webhook-failures.js';
import { syncModule } from './sync-module.js';
import { pacedBeforePage, type SyncPacing } from './sync-pacing.js';
import type { BeforePage } from './sync-run.js';
import { acquireSyncLease, readSyncState, releaseSyncLease } from './sync-state.js';
import type { SyncSummary } from './sync-summary.js';
import { withSyncTables } from './zoho-sync-tables.js';

/** The state row of the background round itself (no module is named so: names are URL segments). */
export const ROUND_ROW = '*';

/** The round's lease, renewed before each page: a process that dies mid-round gives it up this much later. */
const ROUND_LEASE_SECONDS = 600;

/** What a background round did. */
export interface RoundOutcome {
  /** `skipped`: another process holds the round, or ran it less than an interval ago. */
  status: 'skipped' | 'done' | 'budget_reached' | 'rate_limited' | 'error';
  summaries: SyncSummary[];
  message?: string | undefined;
}

export interface SyncRoundOptions {
  db: Kysely<Database>;
  zoho: ZohoApi;
  modules: readonly ZohoModule[];
  appender: Pick<EventAppender, 'appendAll'>;
  owner: string;
  intervalSeconds: number;
  /** Credits per rolling 24 h at which background sync stops (undefined: no budget). */
  dailyCreditBudget: number | undefined;
  /** Credits mzi spent on Zoho's API in the last 24 hours, as the client counts them. */
  creditsLast24h: (() => Promise<number>) | undefined;
  maxFieldLength: number;
  pacing: SyncPacing;
  logger: Logger;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** True once the service is stopping: the round ends before its next page (resumed by the next round). */
  isStopping?: () => boolean;
}

/**
 * One background round, in at most one process at a time (a lease on the round's state row) and at most once
 * per interval whichever process runs it: reads Zoho's failed webhook deliveries, then syncs each module in
 * turn, paced so live events go first. Stops at the credit budget or Zoho's rate limit; the next round resumes
 * from each module's checkpoint.
 */
export async function runSyncRound(options: SyncRoundOptions): Promise<RoundOutcome> {
  const { db, logger } = options;
  const now = options.now ?? (() => new Date());
  const holdRound = () =>
    acquireSyncLease(db, {
      module: ROUND_ROW,
      owner: options.owner,
      now: now(),
      seconds: ROUND_LEASE_SECONDS,
    });
  if (!(await holdRound())) return { status: 'skipped', summaries: [] };
  try {
    const round = await readSyncState(db, ROUND_ROW, now());
    const last = round.last_success_at ? Date.parse(round.last_success_at) : Number.NEGATIVE_INFINITY;
    if (now().getTime() - last < options.intervalSeconds * 1000) return { status: 'skipped', summaries: [] };
    const outcome = await runModules(options, now, holdRound);
    await withSyncTables(db)
      .updateTable('zoho_sync_state')
      .set({
        last_success_at: now().toISOString(),
        last_summary: JSON.stringify({ status: outcome.status, message: outcome.message ?? null }),
        updated_at: now().toISOString(),
      })
      .where('module', '=', ROUND_ROW)
      .execute();
    if (outcome.status !== 'done')
      logger.warn({ status: outcome.status }, `Zoho sync stopped: ${outcome.message}`);
    return outcome;
  } finally {
    await releaseSyncLease(db, ROUND_ROW, options.owner);
  }
}

async function runModules(
  options: SyncRoundOptions,
  now: () => Date,
  holdRound: () => Promise<boolean>,
): Promise<RoundOutcome> {
  // Checked before each page, which also renews the round's lease for as long as the round runs.
  const budgetStop = async () => {
    await holdRound();
    return budgetReached(options);
  };
  const stopped = await budgetStop();
  if (stopped) return { status: 'budget_reached', summaries: [], message: stopped };
  await readWebhookFailures(options, now);
  const summaries: SyncSummary[] = [];
  for (const module of options.modules) {
    let summary: SyncSummary;
    try {
      summary = await syncModule({
        db: options.db,
        zoho: options.zoho,
        module,
        appender: options.appender,
        owner: options.owner,
        maxFieldLength: options.maxFieldLength,
        now,
        beforePage: stopWhenStopping(
          options.isStopping,
          pacedBeforePage({
            db: options.db,
            pacing: options.pacing,
            budgetStop,
            ...(options.sleep ? { sleep: options.sleep } : {}),
          }),
        ),
        logger: options.logger,
      });
    } catch (error) {
      // Recorded in the module's state; the other modules still sync.
      options.logger.error({ err: coerceError(error), module: module.name }, 'Zoho sync of a module failed');
      continue;
    }
    summaries.push(summary);
    const reason = summary.stopped?.reason;
    if (reason === 'budget')
      return { status: 'budget_reached', summaries, message: summary.stopped?.message };
    if (reason === 'stopping') return { status: 'done', summaries, message: summary.stopped?.message };
    if (reason === 'rate_limited')
      return { status: 'rate_limited', summaries, message: summary.stopped?.message };
  }
  return { status: 'done', summaries };
}

/** Ends a run before its next page once the service is stopping. */
function stopWhenStopping(isStopping: (() => boolean) | undefined, next: BeforePage): BeforePage {
  return async () =>
    isStopping?.()
      ? { reason: 'stopping', message: 'mzi is shutting down; the next run resumes here' }
      : next();
}

/** Why the budget stops background sync now, if it does. */
async function budgetReached(options: SyncRoundOptions): Promise<string | undefined> {
  const budget = options.dailyCreditBudget;
  if (budget === undefined || !options.creditsLast24h) return undefined;
  const spent = await options.creditsLast24h();
  if (spent < budget) return undefined;
  return `${spent} API credits spent in the last 24 hours reach ZOHO_DAILY_CREDIT_BUDGET (${budget}): background sync waits; live events go on`;
}

/** Reads Zoho's failed webhook deliveries; a failure to read them is logged, and the round goes on. */
async function readWebhookFailures(options: SyncRoundOptions, now: () => Date): Promise<void> {
  try {
    await storeWebhookFailures(options.db, await options.zoho.listWebhookFailures(), now());
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    options.logger.warn(
      { code: typeof code === 'string' ? code : undefined },
      'Zoho sync could not read the failed webhook deliveries',
    );
  }
}
