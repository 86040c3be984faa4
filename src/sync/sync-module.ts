import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { coerceError } from '../errors.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import { isRateLimited } from './is-rate-limited.js';
import { isDeadLocalOwner } from './lease-owner.js';
import { readChangedRecords } from './read-changed-records.js';
import { readDeletedRecords } from './read-deleted-records.js';
import type { BeforePage, SyncRun } from './sync-run.js';
import {
  acquireSyncLease,
  finishSyncRun,
  readSyncState,
  releaseSyncLease,
  startSyncRun,
  takeOverSyncLease,
} from './sync-state.js';
import { emptySummary, type SyncSummary } from './sync-summary.js';
import { withSyncTables } from './zoho-sync-tables.js';
import { zohoTimeBefore } from './zoho-time.js';

/**
 * Re-reads records from this much before the cursor: records changed in the same second as the last one read
 * (Zoho's Modified_Time has whole seconds), or committed in Zoho a moment after a later one, are not skipped.
 * What is read twice is unchanged or already in the log.
 */
export const SYNC_OVERLAP_SECONDS = 60;

export interface SyncModuleOptions {
  db: Kysely<Database>;
  zoho: ZohoApi;
  module: ZohoModule;
  appender: Pick<EventAppender, 'appendAll'>;
  /** Who holds the module's lease while it syncs (a process id); one sync of a module at a time. */
  owner: string;
  /** Read records changed since then, instead of since the last sync. */
  since?: string | undefined;
  /** Read every record (and every deleted record Zoho keeps). */
  full?: boolean | undefined;
  /** Append nothing and change no state: count what would be appended. */
  dryRun?: boolean | undefined;
  maxFieldLength: number;
  /** Records per page (Zoho allows up to 200). */
  perPage?: number;
  leaseSeconds?: number;
  now?: () => Date;
  beforePage?: BeforePage;
  onProgress?: (summary: Readonly<SyncSummary>) => void;
  logger?: Logger;
}

/**
 * Catches a module's mirror up with Zoho: reads the records changed since the last sync and the records
 * deleted since, and appends an event (`source: "sync"`) for each difference with the mirror, as a webhook
 * would have. Resumes from the last committed page after a crash; stops (resumable) on Zoho's rate limit or
 * when `beforePage` says so. Throws what else fails, after recording it in the module's state.
 */
export async function syncModule(options: SyncModuleOptions): Promise<SyncSummary> {
  const { db, module } = options;
  const now = options.now ?? (() => new Date());
  const dryRun = options.dryRun ?? false;
  const state = await readSyncState(db, module.name, now());
  const since = options.full
    ? undefined
    : (options.since ?? (state.cursor ? zohoTimeBefore(state.cursor, SYNC_OVERLAP_SECONDS) : undefined));
  const deletedSince = options.full
    ? undefined
    : (options.since ??
      (state.deleted_cursor ? zohoTimeBefore(state.deleted_cursor, SYNC_OVERLAP_SECONDS) : undefined));
  const summary = emptySummary(module.name, { dryRun, since, now: now() });
  const run: SyncRun = {
    db,
    zoho: options.zoho,
    module,
    appender: options.appender,
    owner: options.owner,
    dryRun,
    maxFieldLength: options.maxFieldLength,
    perPage: options.perPage ?? 200,
    leaseSeconds: options.leaseSeconds ?? 300,
    now,
    beforePage: options.beforePage,
    onProgress: options.onProgress,
    logger: options.logger,
    summary,
    cursor: state.cursor ?? undefined,
  };
  if (!dryRun) {
    const held = await leaseModule(db, {
      module: module.name,
      owner: options.owner,
      now: now(),
      seconds: run.leaseSeconds,
    });
    if (!held) return busy(db, summary, now());
    await startSyncRun(db, { module: module.name, since, now: now() });
  }
  try {
    const complete = await readChangedRecords(run, since);
    const deleted = complete ? await readDeletedRecords(run, deletedSince) : undefined;
    summary.finishedAt = now().toISOString();
    if (!dryRun) {
      if (deleted?.complete && deleted.latest) await moveDeletedCursor(db, module.name, deleted.latest);
      await finishSyncRun(db, {
        module: module.name,
        now: now(),
        summary,
        error: summary.stopped ? `${summary.stopped.reason}: ${summary.stopped.message}` : undefined,
      });
    }
    return summary;
  } catch (thrown) {
    const error = coerceError(thrown);
    summary.finishedAt = now().toISOString();
    const code = (error as { code?: unknown }).code;
    summary.stopped = {
      reason: isRateLimited(error) ? 'rate_limited' : 'error',
      message: `${typeof code === 'string' ? `${code}: ` : ''}${error.message.split('\n')[0] ?? ''}`.slice(
        0,
        500,
      ),
    };
    if (!dryRun) {
      await finishSyncRun(db, {
        module: module.name,
        now: now(),
        summary,
        error: `${summary.stopped.reason}: ${summary.stopped.message}`,
      });
    }
    if (summary.stopped.reason === 'rate_limited') return summary;
    throw error;
  } finally {
    if (!dryRun) await releaseSyncLease(db, module.name, options.owner);
  }
}

/**
 * Takes the module's lease: free, expired, or held by a process of this host that died (a sync killed
 * mid-run), whose checkpoint this run resumes from.
 */
async function leaseModule(
  db: Kysely<Database>,
  options: { module: string; owner: string; now: Date; seconds: number },
): Promise<boolean> {
  if (await acquireSyncLease(db, options)) return true;
  const holder = (await readSyncState(db, options.module, options.now)).lease_owner;
  if (!holder || !isDeadLocalOwner(holder)) return false;
  return takeOverSyncLease(db, { ...options, from: holder });
}

/** Another process holds the module's lease: nothing was read. */
async function busy(db: Kysely<Database>, summary: SyncSummary, now: Date): Promise<SyncSummary> {
  const state = await readSyncState(db, summary.module, now);
  summary.finishedAt = now.toISOString();
  summary.stopped = {
    reason: 'busy',
    message: `a sync of ${summary.module} is under way in ${state.lease_owner ?? 'another process'} (lease until ${state.lease_until ?? 'unknown'})`,
  };
  return summary;
}

/** Moves the deleted records' cursor forward (never back) once every page of them is read. */
async function moveDeletedCursor(db: Kysely<Database>, module: string, latest: string): Promise<void> {
  const state = await readSyncState(db, module, new Date());
  const current = state.deleted_cursor;
  if (current && Date.parse(current) >= Date.parse(latest)) return;
  await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set({ deleted_cursor: latest })
    .where('module', '=', module)
    .execute();
}
