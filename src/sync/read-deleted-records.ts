import { appendSyncChanges } from './append-sync-changes.js';
import { loadKnownState } from './load-known-state.js';
import { planDeletions } from './plan-sync-changes.js';
import { stoppedBeforePage } from './read-changed-records.js';
import { syncDedupKey } from './sync-delivery.js';
import type { SyncRun } from './sync-run.js';
import { checkpointSyncPage } from './sync-state.js';
import { laterTime } from './zoho-time.js';

/**
 * Reads the records Zoho deleted since `since` (all it keeps when undefined) and appends a delete for each one
 * the mirror holds as live. Zoho gives no order for this list, so its cursor moves only once every page is
 * read; a run cut short reads them again, and dedup keeps the deletes already appended. Returns the greatest
 * deletion time read, or undefined when stopped before the last page.
 */
export async function readDeletedRecords(
  run: SyncRun,
  since: string | undefined,
): Promise<{ complete: boolean; latest: string | undefined }> {
  const keyOf = (change: Parameters<typeof syncDedupKey>[1]) => syncDedupKey(run.module, change);
  let latest: string | undefined;
  for (let page = 1; ; page += 1) {
    if (await stoppedBeforePage(run)) return { complete: false, latest: undefined };
    const listed = await run.zoho.listDeletedRecords(run.module.zohoApiName, { deletedSince: since, page });
    run.summary.pages += 1;
    run.summary.fetchedDeleted += listed.records.length;
    const ids = listed.records.map((record) => record.id);
    const keys = listed.records.map((record) =>
      keyOf({ operation: 'delete', recordId: record.id, version: record.deletedTime }),
    );
    const plan = planDeletions(listed.records, await loadKnownState(run.db, run.module, ids, keys), keyOf);
    const appended = await appendSyncChanges(run, plan);
    for (const record of listed.records) latest = laterTime(latest, record.deletedTime);
    if (!run.dryRun) {
      await checkpointSyncPage(run.db, {
        module: run.module.name,
        now: run.now(),
        pageToken: undefined,
        lastRecordId: ids.at(-1),
        appended,
      });
    }
    run.onProgress?.(run.summary);
    if (!listed.more || listed.records.length === 0) return { complete: true, latest };
  }
}
