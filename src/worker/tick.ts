import { dialectAdapter } from '../db/dialect-adapter.js';
import { releaseExpiredLeases } from '../event-log/release-expired-leases.js';
import { flushWriteBacks } from './flush-write-backs.js';
import { pump } from './pump.js';
import { applyRetention } from './retention.js';
import type { WorkerState } from './worker-state.js';

/** One poll: housekeeping (expired leases, event counts, retention), a claim, and the next poll scheduled. */
export async function tick(state: WorkerState): Promise<void> {
  const { db, logger } = state;
  state.lastPollAt = state.now().toISOString();
  try {
    const released = await releaseExpiredLeases(db, { now: state.now(), all: false });
    if (released > 0) logger.warn({ released }, 'took back events whose worker lease expired');
    await dialectAdapter(db).foldEventCounts(db);
    await applyRetention(state);
  } catch (error) {
    logger.error({ err: error }, 'worker housekeeping failed (expired leases, counts); will try again');
  }
  await pump(state);
  // Writes whose retry is due, and those queued by other processes' workers.
  if (state.running) void flushWriteBacks(state);
  if (state.running)
    state.pollTimer = setTimeout(() => void tick(state), state.options.pollIntervalMs).unref();
}
