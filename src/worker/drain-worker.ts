import { claimAndStart } from './pump.js';
import { claimsSettled, type WorkerState } from './worker-state.js';

/** Processes until nothing is due and nothing is in flight (tests, `mzi events retry --wait`). */
export async function drainWorker(state: WorkerState): Promise<void> {
  for (;;) {
    await Promise.allSettled([...state.inFlight]);
    await claimsSettled(state);
    const started = await claimAndStart(state);
    if (started === 0 && state.inFlight.size === 0 && state.claiming === 0) return;
  }
}
