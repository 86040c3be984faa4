import type { ClaimedEvent } from '../db/schema.js';
import { ProcessingError } from '../event-log/processing-error.js';
import type { BatchEventHandler, EventHandler, HandlerResult } from './event-handler.js';
import { type FetchedRecord, fetchRecords, type PreparedEvent } from './fetch-records.js';
import { recordOutcomes } from './record-outcomes.js';
import { eventLogger, type WorkerState } from './worker-state.js';

/**
 * Reads the batch's records from Zoho when ZOHO_FETCH_RECORDS asks for it, hands the events to their modules'
 * handlers, then records every event's outcome (with what was fetched).
 */
export async function processBatch(state: WorkerState, events: ClaimedEvent[]): Promise<void> {
  const startedAt = state.now();
  const results = new Map<ClaimedEvent, HandlerResult>();
  const fetched = new Map<ClaimedEvent, FetchedRecord>();
  const prepared = await prepareEvents(state, events);
  for (const [module, group] of groupByModule(events)) {
    // The events whose record could be read go to the handler, as it was read; the others fail with the reason.
    const ready: Array<{ event: ClaimedEvent; handled: ClaimedEvent }> = [];
    for (const event of group) {
      const p = prepared.get(event) ?? { ok: true, event };
      if (!p.ok) results.set(event, { ok: false, error: p.error });
      else {
        ready.push({ event, handled: p.event });
        if (p.fetched) fetched.set(event, p.fetched);
      }
    }
    if (ready.length === 0) continue;
    const handler = state.options.handlers[module];
    try {
      if (!handler)
        throw new ProcessingError('worker.unknown_module', `mzi has no handler for module ${module}.`);
      const out = await runHandler(
        state,
        handler,
        ready.map((r) => r.handled),
        startedAt,
      );
      ready.forEach(({ event }, i) => {
        results.set(
          event,
          out[i] ?? { ok: false, error: new Error('the handler returned no result for this event') },
        );
      });
    } catch (error) {
      for (const { event } of ready) results.set(event, { ok: false, error });
    }
  }
  await recordOutcomes(state, { events, results, startedAt, fetched });
}

/** The events as their handlers get them (see fetchRecords); a failure to fetch fails every event of the batch. */
async function prepareEvents(
  state: WorkerState,
  events: ClaimedEvent[],
): Promise<Map<ClaimedEvent, PreparedEvent>> {
  try {
    return await fetchRecords(state.options.zoho, events);
  } catch (error) {
    return new Map(events.map((event) => [event, { ok: false, error }]));
  }
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
