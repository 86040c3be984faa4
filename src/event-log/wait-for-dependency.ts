import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface DependencyWait {
  id: number;
  /** Only the worker that holds the event's lease may put it back. */
  workerId: string;
  /** The record waited for, `<Zoho module>:<record id>`: completing its event wakes this one. */
  waitsFor: string;
  waitingSince: string;
  /** When to look again, should no completion wake it first. */
  nextAttemptAt: string;
  errorMessage: string;
  now: string;
}

/** The code an event that waits for another module's record shows as its last error. */
export const DEPENDENCY_WAITING = 'dependency.waiting';

/**
 * Gives a claimed event back to wait for a record of another module: pending again, without using up the
 * attempt its claim counted, and saying what it waits for. Later events of its record keep waiting behind it.
 */
export async function waitForDependency(trx: Kysely<Database>, p: DependencyWait): Promise<void> {
  await trx
    .updateTable('integration_events_log')
    .set((eb) => ({
      status: 'pending',
      attempts: eb('attempts', '-', 1),
      next_attempt_at: p.nextAttemptAt,
      waits_for: p.waitsFor,
      waiting_since: p.waitingSince,
      error_code: DEPENDENCY_WAITING,
      error_message: p.errorMessage,
      updated_at: p.now,
      locked_by: null,
      locked_until: null,
    }))
    .where('id', '=', p.id)
    .where('locked_by', '=', p.workerId)
    .execute();
}
