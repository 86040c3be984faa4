import type { AppenderState, PendingAppend } from './appender-state.js';
import { writeBatch } from './write-batch.js';

/**
 * Starts a drain of the queue unless one is under way. It begins on the next turn of the event loop, so the
 * deliveries that arrive meanwhile join the first batch; those that arrive while a batch is being written join
 * the next one (group commit: each fsync acknowledges many deliveries, DESIGN.md §3).
 */
export function scheduleDrain(state: AppenderState): void {
  if (state.running) return;
  state.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => drain(state));
}

async function drain(state: AppenderState): Promise<void> {
  try {
    while (state.queue.length > 0) {
      const batch = nextBatch(state.queue, state.maxBatch);
      state.queue = state.queue.slice(batch.length);
      await writeBatch(state, batch);
    }
  } finally {
    state.running = undefined;
    if (state.queue.length > 0) scheduleDrain(state);
  }
}

/**
 * The appends at the head of the queue that hold at most `maxBatch` deliveries together; an envelope is never
 * split, so one larger than that goes alone.
 */
function nextBatch(queue: readonly PendingAppend[], maxBatch: number): PendingAppend[] {
  let size = 0;
  let end = 0;
  while (end < queue.length) {
    const next = (queue[end] as PendingAppend).deliveries.length;
    if (end > 0 && size + next > maxBatch) break;
    size += next;
    end += 1;
  }
  return queue.slice(0, end);
}

/** Resolves once no drain is under way (every delivery queued before the call is written or refused). */
export async function waitForDrain(state: AppenderState): Promise<void> {
  while (state.running) await state.running;
}
