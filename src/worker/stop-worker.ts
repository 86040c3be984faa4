import { claimsSettled, type WorkerState } from './worker-state.js';

/** Stops claiming; waits up to `timeoutMs` for events in flight. Unfinished ones come back after their lease. */
export async function stopWorker(state: WorkerState, timeoutMs: number): Promise<void> {
  state.running = false;
  state.stopping = true;
  if (state.pollTimer) clearTimeout(state.pollTimer);
  state.pollTimer = undefined;
  if (state.lingerTimer) clearTimeout(state.lingerTimer);
  state.lingerTimer = undefined;
  const settled = (async () => {
    await claimsSettled(state);
    await Promise.allSettled([...state.inFlight]);
    await state.writeBacks.running;
  })();
  await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
