import { appendSyncChanges } from './append-sync-changes.js';
import { loadKnownState } from './load-known-state.js';
import { planRecordChanges } from './plan-sync-changes.js';
import { recordVersion, syncDedupKey } from './sync-delivery.js';
import { syncFields } from './sync-fields.js';
import type { SyncRun } from './sync-run.js';
import { acquireSyncLease, checkpointSyncPage } from './sync-state.js';
import { laterTime } from './zoho-time.js';

/**
 * Reads the records Zoho changed since `since` (every record when undefined), oldest change first, page after
 * page with `page_token` (plain pages stop at 2,000 records), and appends an event for each difference. After
 * each page's events are committed, the cursor moves to the page's greatest Modified_Time: a run cut short
 * resumes from there. Returns false when the run was stopped before the last page.
 */
export async function readChangedRecords(run: SyncRun, since: string | undefined): Promise<boolean> {
  const fields = syncFields(run.module);
  const keyOf = (change: Parameters<typeof syncDedupKey>[1]) => syncDedupKey(run.module, change);
  let pageToken: string | undefined;
  for (;;) {
    if (await stoppedBeforePage(run)) return false;
    const page = await run.zoho.listRecords(run.module.zohoApiName, {
      fields,
      modifiedSince: since,
      pageToken,
      perPage: run.perPage,
    });
    run.summary.pages += 1;
    run.summary.fetched += page.records.length;
    const ids = page.records.map((record) => record.id);
    // An insert and an update of the same version share their key (see syncDedupKey).
    const keys = page.records.map((record) =>
      keyOf({ operation: 'update', recordId: record.id, version: recordVersion(record) }),
    );
    const known = await loadKnownState(run.db, run.module, ids, keys);
    const plan = planRecordChanges(page.records, known, keyOf);
    const appended = await appendSyncChanges(run, plan);
    let pageMax: string | undefined;
    for (const record of page.records) {
      const modified = record.Modified_Time;
      if (typeof modified === 'string') pageMax = laterTime(pageMax, modified);
    }
    run.cursor = laterTime(run.cursor, pageMax);
    if (!run.dryRun) {
      await checkpointSyncPage(run.db, {
        module: run.module.name,
        now: run.now(),
        cursor: run.cursor,
        pageToken: page.more ? page.nextPageToken : undefined,
        lastRecordId: ids.at(-1),
        appended,
      });
    }
    run.onProgress?.(run.summary);
    if (!page.more || !page.nextPageToken) return true;
    pageToken = page.nextPageToken;
  }
}

/** Lets a background run pause or stop between pages, and renews the lease for the next one. */
export async function stoppedBeforePage(run: SyncRun): Promise<boolean> {
  const stop = await run.beforePage?.();
  if (stop) {
    run.summary.stopped = stop;
    return true;
  }
  if (!run.dryRun) {
    const held = await acquireSyncLease(run.db, {
      module: run.module.name,
      owner: run.owner,
      now: run.now(),
      seconds: run.leaseSeconds,
    });
    if (!held) {
      run.summary.stopped = { reason: 'busy', message: 'another process took over the sync of this module' };
      return true;
    }
  }
  return false;
}
