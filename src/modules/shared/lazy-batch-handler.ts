import type { BatchEventHandler } from '../../worker/event-handler.js';

/**
 * A batch handler that builds the real one on its first batch, so that its code (validation, Moodle mapping,
 * lookup tables) is loaded only by the thread that processes events, not by the one that serves HTTP.
 */
export function lazyBatchHandler(load: () => Promise<BatchEventHandler>): BatchEventHandler {
  let loaded: Promise<BatchEventHandler> | undefined;
  return {
    async handleBatch(events, context) {
      loaded ??= load();
      return (await loaded).handleBatch(events, context);
    },
  };
}
