import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../db/schema.js';

/** One more attempt, due now: the last error stays in the attempt history, not on the event. */
export function requeue(now: Date) {
  const timestamp = now.toISOString();
  return (eb: ExpressionBuilder<Database, 'integration_events_log'>) => ({
    status: 'pending' as const,
    next_attempt_at: timestamp,
    updated_at: timestamp,
    processed_at: null,
    error_message: null,
    error_code: null,
    max_attempts: eb('attempts', '+', 1),
    locked_by: null,
    locked_until: null,
    // A retried event that waits for another module's record waits anew for the whole limit.
    waiting_since: null,
  });
}
