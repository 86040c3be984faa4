import type { Insertable, Kysely } from 'kysely';
import { prepareQuery } from '../db/prepared-query.js';
import type { Database, EventAttemptsTable } from '../db/schema.js';
import { recordAttempt } from './record-attempt.js';

export interface CompletedEvent {
  id: number;
  /** Only the worker that holds the event's lease may complete it. */
  workerId: string;
  finished: string;
  /** What was done (JSON). */
  result: string;
  warnings: string | null;
  attempt: Insertable<EventAttemptsTable>;
}

/** Marks a claimed event completed with what was done (ending any wait it had), and records the attempt. */
export async function completeEvent(trx: Kysely<Database>, p: CompletedEvent): Promise<void> {
  await markCompleted(trx, {
    id: p.id,
    workerId: p.workerId,
    finished: p.finished,
    result: p.result,
    warnings: p.warnings,
  });
  await recordAttempt(trx, p.attempt);
}

// Written for every completed event: built once (see prepareQuery).
const markCompleted = prepareQuery(
  (
    db: Kysely<Database>,
    p: { id: number; workerId: string; finished: string; result: string; warnings: string | null },
  ) =>
    db
      .updateTable('integration_events_log')
      .set({
        status: 'completed',
        processed_at: p.finished,
        updated_at: p.finished,
        result: p.result,
        warnings: p.warnings,
        error_message: null,
        error_code: null,
        waits_for: null,
        waiting_since: null,
        locked_by: null,
        locked_until: null,
      })
      .where('id', '=', p.id)
      .where('locked_by', '=', p.workerId),
);
