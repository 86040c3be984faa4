import { flushWriteBacks } from './flush-write-backs.js';
import { claimAndStart } from './pump.js';
import { claimsSettled, type WorkerState } from './worker-state.js';

/**
 * Processes until nothing is due and nothing is in flight (tests, `mzi events retry --wait`), then sends the
 * write-backs that are due.
 */
export async function drainWorker(state: WorkerState): Promise<void> {
  await drainEvents(state);
  await state.writeBacks.running;
  await flushWriteBacks(state);
}

async function drainEvents(state: WorkerState): Promise<void> {
  for (;;) {
    await Promise.allSettled([...state.inFlight]);
    await claimsSettled(state);
    const done = state.batchesDone;
    const started = await claimAndStart(state);
    // A batch of the worker's own polling that finished while this claim ran may have made events due (the
    // next of its records, those it woke) after the claim looked: then look again.
    const idle = state.inFlight.size === 0 && state.claiming === 0 && state.batchesDone === done;
    if (started === 0 && idle) return;
  }
}
