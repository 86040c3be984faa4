import type { ClaimedEvent } from '../db/schema.js';
import type { OutcomeDecision } from './decide-outcome.js';
import { eventLogger, type WorkerState } from './worker-state.js';

/** Counts, reports (metrics) and logs an outcome once it is committed. */
export function logOutcome(state: WorkerState, event: ClaimedEvent, decision: OutcomeDecision): void {
  if (decision.status === 'waiting') {
    // Not an attempt: the event waits, as one held back before its handler ran does.
    eventLogger(state, event).info({ waitsFor: decision.waitsFor }, 'event waits for another record');
    return;
  }
  const code = decision.status === 'completed' ? undefined : decision.code;
  state.options.onAttempt?.(event, decision.status === 'pending' ? 'retry' : decision.status, code);
  const fields = { module: event.module, eventType: event.event_type, status: decision.status };
  if (decision.status === 'completed') {
    state.processed += 1;
    // A child logger per event costs more than the rest of this function: only when the line is written.
    if (state.logger.isLevelEnabled('debug')) eventLogger(state, event).debug(fields, 'event processed');
    return;
  }
  const log = eventLogger(state, event);
  if (decision.status === 'pending') {
    log.warn(
      { ...fields, errorCode: code, nextAttemptAt: decision.nextAttemptAt },
      'event failed for a passing reason; will retry',
    );
  } else if (code === 'worker.unexpected') {
    log.error({ ...fields, errorCode: code, err: decision.error }, 'event failed');
  } else {
    log.warn({ ...fields, errorCode: code }, 'event failed');
  }
}
