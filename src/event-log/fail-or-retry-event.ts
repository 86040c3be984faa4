import type { Insertable, Kysely } from 'kysely';
import type { Database, EventAttemptsTable } from '../db/schema.js';
import { recordAttempt } from './record-attempt.js';

export interface FailedAttempt {
  id: number;
  /** Only the worker that holds the event's lease may record its outcome. */
  workerId: string;
  /** Back to pending, due at `nextAttemptAt`; otherwise failed for good. */
  retry: boolean;
  nextAttemptAt: string;
  /** The event's due time as claimed, which a failed event keeps. */
  claimedNextAttemptAt: string;
  errorCode: string;
  errorMessage: string;
  finished: string;
  attempt: Insertable<EventAttemptsTable>;
}

/** Gives a claimed event back for a later attempt, or fails it, and records the attempt. */
export async function failOrRetryEvent(trx: Kysely<Database>, p: FailedAttempt): Promise<void> {
  await trx
    .updateTable('integration_events_log')
    .set({
      status: p.retry ? 'pending' : 'failed',
      error_message: p.errorMessage,
      error_code: p.errorCode,
      processed_at: p.retry ? null : p.finished,
      next_attempt_at: p.retry ? p.nextAttemptAt : p.claimedNextAttemptAt,
      updated_at: p.finished,
      // A wait, if any, ends here: one that comes later starts its limit anew.
      waits_for: null,
      waiting_since: null,
      locked_by: null,
      locked_until: null,
    })
    .where('id', '=', p.id)
    .where('locked_by', '=', p.workerId)
    .execute();
  await recordAttempt(trx, p.attempt);
}
