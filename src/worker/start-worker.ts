import { releaseExpiredLeases } from '../event-log/release-expired-leases.js';
import { tick } from './tick.js';
import type { WorkerState } from './worker-state.js';

/** Takes back what a previous run left in processing, then polls until stopped. */
export async function startWorker(state: WorkerState): Promise<void> {
  if (state.running) return;
  const released = await releaseExpiredLeases(state.db, {
    now: state.now(),
    all: state.options.releaseAllOnStart,
  });
  if (released > 0) state.logger.warn({ released }, 'took back events left in processing by a previous run');
  state.running = true;
  state.stopping = false;
  void tick(state);
}
