import { isDatabaseUnavailable } from '../db/connection-errors.js';
import type { ClaimedEvent } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { ProcessingError } from '../event-log/processing-error.js';
import { hasAttemptsLeft, retryDelayMs, shouldRetry } from '../event-log/retry-policy.js';
import { databaseReason } from './database-reason.js';
import type { HandlerOutcome } from './event-handler.js';

/**
 * What becomes of an event after its handler ran: an attempt's outcome (see AttemptDecision), or, when the
 * handler found a record it needs not ready (WaitForRecord), back to pending to wait for that record without
 * using the attempt.
 */
export type OutcomeDecision =
  | AttemptDecision
  | { status: 'waiting'; code: string; message: string; waitsFor: string };

/** What becomes of an event after one attempt: completed, back to pending for a later attempt, or failed. */
export type AttemptDecision =
  | { status: 'completed'; outcome: HandlerOutcome }
  | {
      status: 'pending' | 'failed';
      code: string;
      /** The reason, as the attempt records it. */
      message: string;
      /** The reason as the event shows it: with the attempt count when it will be tried again. */
      eventMessage: string;
      error: Error;
      /** When the next attempt is due (a failed event keeps its due time; this one is then unused). */
      nextAttemptAt: string;
    };

export interface DecideOutcomeInput {
  /** What the handler did, when it succeeded. */
  outcome: HandlerOutcome | undefined;
  /** Why the attempt failed (the handler's error, or the verdict of the outcome's local writes). */
  failure: unknown;
  event: Pick<ClaimedEvent, 'attempts' | 'max_attempts'>;
  finished: string;
  random?: (() => number) | undefined;
}

/** Decides an event's outcome from one attempt: pure, so that the worker's retry rules are testable. */
export function decideOutcome(input: DecideOutcomeInput): AttemptDecision {
  const { event } = input;
  if (input.failure === undefined && input.outcome) return { status: 'completed', outcome: input.outcome };
  const error = coerceError(input.failure);
  // The database going away mid-event (restart, failover) is no verdict on the event: it is tried again
  // whatever attempts it has used, and never fails for it.
  // A ProcessingError is a verdict on the event (a Moodle network error among them), never the database lost.
  const databaseLost = !(error instanceof ProcessingError) && isDatabaseUnavailable(error);
  const retry = databaseLost || (shouldRetry(error) && hasAttemptsLeft(event.attempts, event.max_attempts));
  const { code, message } = describeFailure(error, databaseLost);
  const nextAttemptAt = new Date(
    Date.parse(input.finished) + retryDelayMs(event.attempts, input.random),
  ).toISOString();
  return {
    status: retry ? 'pending' : 'failed',
    code,
    message,
    eventMessage: retry
      ? `${message} (attempt ${event.attempts} of ${event.max_attempts}; will retry)`
      : message,
    error,
    nextAttemptAt,
  };
}

function describeFailure(error: Error, databaseLost: boolean): { code: string; message: string } {
  if (error instanceof ProcessingError) return { code: error.code, message: error.message };
  if (databaseLost)
    return {
      code: 'worker.database_unavailable',
      message: `The database was unavailable while processing (${databaseReason(error)}); mzi tries again by itself.`,
    };
  return { code: 'worker.unexpected', message: `Unexpected error while processing: ${error.message}` };
}
