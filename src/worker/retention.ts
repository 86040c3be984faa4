import { purgeEvents } from '../event-log/purge-events.js';
import { purgeWriteBacks } from '../write-back/purge-write-backs.js';
import type { WorkerState } from './worker-state.js';

const RETENTION_EVERY_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

/**
 * The cut-off before which completed and duplicate events are purged now, or undefined when retention is off
 * (0 days) or the last run was less than 10 minutes ago.
 */
export function retentionCutoff(options: {
  retentionDays: number;
  nowMs: number;
  lastRunMs: number;
}): Date | undefined {
  const { retentionDays, nowMs, lastRunMs } = options;
  if (retentionDays <= 0 || nowMs - lastRunMs < RETENTION_EVERY_MS) return undefined;
  return new Date(nowMs - retentionDays * DAY_MS);
}

/**
 * At most every 10 minutes, a bounded number of batches: a large backlog is spread over several runs. Old
 * write-backs to Zoho go too (see purgeWriteBacks).
 */
export async function applyRetention(state: WorkerState): Promise<void> {
  const retentionDays = state.options.retentionDays ?? 0;
  const nowMs = state.now().getTime();
  const before = retentionCutoff({ retentionDays, nowMs, lastRunMs: state.lastRetentionAt });
  if (!before) return;
  state.lastRetentionAt = nowMs;
  const purged = await purgeEvents(state.db, {
    before,
    statuses: ['completed', 'duplicate'],
    maxBatches: 20,
  });
  if (purged > 0) state.logger.info({ purged, retentionDays }, 'purged old completed and duplicate events');
  const writeBacks = await purgeWriteBacks(state.db, { before, limit: 10_000 });
  if (writeBacks > 0) state.logger.info({ writeBacks, retentionDays }, 'purged old write-backs to Zoho');
}
