import { AppError } from '../errors.js';
import type { IncomingDelivery } from '../webhooks/create-event-appender.js';
import type { SyncPlan } from './plan-sync-changes.js';
import { syncDelivery } from './sync-delivery.js';
import type { SyncRun } from './sync-run.js';
import type { AppendedCounts } from './sync-state.js';

/**
 * Appends a page's changes to the event log in one transaction, through intake's path (dedup, search keys,
 * waits, the worker's wake-up), and adds them to the run's summary. A dry run counts them only. Returns what
 * was appended, for the checkpoint.
 */
export async function appendSyncChanges(run: SyncRun, plan: SyncPlan): Promise<AppendedCounts> {
  const { summary } = run;
  summary.unchanged += plan.unchanged;
  summary.queued += plan.queued;
  const deliveries: IncomingDelivery[] = [];
  for (const change of plan.changes) {
    try {
      deliveries.push(syncDelivery({ module: run.module, change, maxFieldLength: run.maxFieldLength }));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // The record is left for an operator (its message names the field and the limit, never a value).
      summary.skipped += 1;
      run.logger?.warn(
        { module: run.module.name, recordId: change.recordId, code: error.code },
        `sync skipped a record: ${error.message}`,
      );
    }
  }
  const appended: AppendedCounts = { inserted: 0, updated: 0, deleted: 0 };
  if (run.dryRun) {
    for (const delivery of deliveries) count(appended, delivery.normalized.operation);
  } else if (deliveries.length > 0) {
    const results = await run.appender.appendAll(deliveries);
    for (const result of results) {
      if (result.status === 'queued') count(appended, result.eventType);
      else summary.queued += 1;
    }
  }
  summary.inserted += appended.inserted;
  summary.updated += appended.updated;
  summary.deleted += appended.deleted;
  return appended;
}

function count(counts: AppendedCounts, operation: string | undefined): void {
  if (operation === 'insert') counts.inserted += 1;
  else if (operation === 'update') counts.updated += 1;
  else if (operation === 'delete') counts.deleted += 1;
}
