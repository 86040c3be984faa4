import type { ClaimedEvent } from '../db/schema.js';
import { ProcessingError } from '../event-log/processing-error.js';
import type { BatchEventHandler, EventHandler, HandlerResult } from './event-handler.js';
import { recordOutcomes } from './record-outcomes.js';
import { eventLogger, type WorkerState } from './worker-state.js';

/** Hands a claimed batch to its modules' handlers, then records every event's outcome. */
export async function processBatch(state: WorkerState, events: ClaimedEvent[]): Promise<void> {
  const startedAt = state.now();
  const results = new Map<ClaimedEvent, HandlerResult>();
  for (const [module, group] of groupByModule(events)) {
    const handler = state.options.handlers[module];
    try {
      if (!handler)
        throw new ProcessingError('worker.unknown_module', `mzi has no handler for module ${module}.`);
      const out = await runHandler(state, handler, group, startedAt);
      group.forEach((event, i) => {
        results.set(
          event,
          out[i] ?? { ok: false, error: new Error('the handler returned no result for this event') },
        );
      });
    } catch (error) {
      for (const event of group) results.set(event, { ok: false, error });
    }
  }
  await recordOutcomes(state, { events, results, startedAt });
}

/** The events of each module, in the order they came. */
export function groupByModule<E extends { module: string }>(events: readonly E[]): Map<string, E[]> {
  const byModule = new Map<string, E[]>();
  for (const event of events) {
    const group = byModule.get(event.module);
    if (group) group.push(event);
    else byModule.set(event.module, [event]);
  }
  return byModule;
}

/** One result per event: a batch handler's as it returns them, a per-event handler's each caught on its own. */
function runHandler(
  state: WorkerState,
  handler: EventHandler | BatchEventHandler,
  events: ClaimedEvent[],
  startedAt: Date,
): Promise<HandlerResult[]> {
  const { db, logger } = state;
  if ('handleBatch' in handler) return handler.handleBatch(events, { db, logger, now: startedAt });
  return Promise.all(
    events.map((event) =>
      handler(event, { db, logger: eventLogger(state, event), now: startedAt }).then(
        (outcome): HandlerResult => ({ ok: true, outcome }),
        (error: unknown): HandlerResult => ({ ok: false, error }),
      ),
    ),
  );
}
