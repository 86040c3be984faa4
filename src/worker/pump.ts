import type { ClaimedEvent } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { claimEvents } from '../event-log/claim-events.js';
import { flushWriteBacks } from './flush-write-backs.js';
import { processBatch } from './process-batch.js';
import { processAfterDependencies } from './wait-for-dependencies.js';
import type { WorkerState } from './worker-state.js';

/** Claims batches while there is work and room; after a partial batch, lets the next one gather (lingerMs). */
export async function pump(state: WorkerState): Promise<void> {
  if (state.pumping) {
    state.wakeRequested = true;
    return;
  }
  state.pumping = true;
  try {
    do {
      state.wakeRequested = false;
      while (state.running) {
        const claimed = await claimAndStart(state);
        if (claimed === 0) break;
        if (claimed < state.batchSize && state.lingerMs > 0) {
          pumpSoon(state);
          break;
        }
      }
    } while (state.running && state.wakeRequested);
    state.lastError = null;
  } catch (error) {
    state.lastError = coerceError(error).message;
    state.logger.error({ err: error }, 'worker could not claim events; will try again at the next poll');
  } finally {
    state.pumping = false;
  }
}

/** Claims after `lingerMs` (at once without it); calls in between share that one claim. */
export function pumpSoon(state: WorkerState): void {
  if (!state.running) return;
  if (state.lingerMs <= 0) {
    void pump(state);
    return;
  }
  state.lingerTimer ??= setTimeout(() => {
    state.lingerTimer = undefined;
    void pump(state);
  }, state.lingerMs);
}

/** Claims one batch, if there is room for it, and starts processing it; returns how many events it claimed. */
export async function claimAndStart(state: WorkerState): Promise<number> {
  if (state.inFlight.size + state.claiming >= state.options.concurrency) return 0;
  state.claiming += 1;
  let events: ClaimedEvent[];
  try {
    events = await claimEvents(state.db, {
      workerId: state.workerId,
      limit: state.batchSize,
      leaseSeconds: state.options.leaseSeconds,
      now: state.now(),
    });
  } finally {
    state.claiming -= 1;
  }
  if (events.length === 0) return 0;
  const context = {
    db: state.db,
    logger: state.logger,
    workerId: state.workerId,
    now: state.now,
    dependencies: state.options.dependencies,
  };
  const ready = (admitted: ClaimedEvent[]) => processBatch(state, admitted);
  const task: Promise<void> = processAfterDependencies(events, context, ready).finally(() => {
    state.batchesDone += 1;
    state.inFlight.delete(task);
    if (state.writeBacks.queued && state.running) void flushWriteBacks(state);
    pumpSoon(state);
  });
  state.inFlight.add(task);
  return events.length;
}
