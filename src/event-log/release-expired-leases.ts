import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Gives back events whose lease ran out (their worker died or hung). With `all`, every claimed event is given
 * back: right for SQLite, where the starting process is the only worker. An event that has used up its
 * attempts this way fails instead of looping.
 */
export async function releaseExpiredLeases(
  db: Kysely<Database>,
  options: { now: Date; all: boolean },
): Promise<number> {
  const now = options.now.toISOString();
  let exhaust = db
    .updateTable('integration_events_log')
    .set({
      status: 'failed',
      error_code: 'worker.interrupted',
      error_message:
        'Processing was interrupted on every attempt (the worker stopped or crashed mid-event); retry it once the cause is fixed.',
      processed_at: now,
      updated_at: now,
      locked_by: null,
      locked_until: null,
    })
    .where('status', '=', 'processing')
    .whereRef('attempts', '>=', 'max_attempts');
  let release = db
    .updateTable('integration_events_log')
    .set({ status: 'pending', next_attempt_at: now, updated_at: now, locked_by: null, locked_until: null })
    .where('status', '=', 'processing');
  if (!options.all) {
    exhaust = exhaust.where('locked_until', '<', now);
    release = release.where('locked_until', '<', now);
  }
  const exhausted = await exhaust.executeTakeFirst();
  const released = await release.executeTakeFirst();
  return Number(exhausted.numUpdatedRows) + Number(released.numUpdatedRows);
}
