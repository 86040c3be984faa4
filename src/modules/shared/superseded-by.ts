import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../../db/schema.js';

/**
 * The later event of the same record that already completed, if any: a retried old event must not overwrite
 * what it applied. Only a retried event (more than one attempt) can be older than a completed one of its record.
 */
export async function supersededBy(db: Kysely<Database>, event: ClaimedEvent): Promise<string | undefined> {
  if (event.attempts <= 1) return undefined;
  const newer = await db
    .selectFrom('integration_events_log')
    .select('event_id')
    .where('module', '=', event.module)
    .where('record_id', '=', event.record_id)
    .where('id', '>', event.id)
    .where('status', '=', 'completed')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return newer?.event_id;
}
