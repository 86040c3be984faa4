import type { Insertable, Kysely } from 'kysely';
import type { Database, EventAttemptsTable } from '../db/schema.js';
import { recordAttempt } from './record-attempt.js';

export interface MissingDependency {
  id: number;
  /** Only the worker that holds the event's lease may fail it. */
  workerId: string;
  errorMessage: string;
  finished: string;
  attempt: Insertable<EventAttemptsTable>;
}

/** The code of an event that waited the whole limit for a record of another module. */
export const DEPENDENCY_MISSING = 'dependency.missing';

/** Fails a claimed event whose wait for another module's record ran out, and records the attempt. */
export async function failMissingDependency(trx: Kysely<Database>, p: MissingDependency): Promise<void> {
  await trx
    .updateTable('integration_events_log')
    .set({
      status: 'failed',
      error_code: DEPENDENCY_MISSING,
      error_message: p.errorMessage,
      processed_at: p.finished,
      updated_at: p.finished,
      waits_for: null,
      locked_by: null,
      locked_until: null,
    })
    .where('id', '=', p.id)
    .where('locked_by', '=', p.workerId)
    .execute();
  await recordAttempt(trx, p.attempt);
}
