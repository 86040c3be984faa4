import type { AppenderState } from './appender-state.js';
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
      const batch = state.queue.slice(0, state.maxBatch);
      state.queue = state.queue.slice(batch.length);
      await writeBatch(state, batch);
    }
  } finally {
    state.running = undefined;
    if (state.queue.length > 0) scheduleDrain(state);
  }
}

/** Resolves once no drain is under way (every delivery queued before the call is written or refused). */
export async function waitForDrain(state: AppenderState): Promise<void> {
  while (state.running) await state.running;
}
