import { isDatabaseUnavailable } from '../db/connection-errors.js';
import { ProcessingError } from '../event-log/processing-error.js';
import { databaseReason } from './database-reason.js';
import type { HandlerResult } from './event-handler.js';

/**
 * The result to record instead when the database refused an event's own result with `error`. A refusal of
 * the data (e.g. a value longer than its column) fails the event, saying so, rather than leaving it to come
 * back after its lease and block its record. A database that is away says nothing about the event: it goes
 * back to pending, to be processed again.
 */
export function refusedOutcome(error: unknown): HandlerResult {
  if (isDatabaseUnavailable(error)) return { ok: false, error };
  return {
    ok: false,
    error: new ProcessingError(
      'worker.outcome_unwritable',
      `The database refused this event's result (${databaseReason(error)}); correct the record in Zoho and send it again.`,
    ),
  };
}
