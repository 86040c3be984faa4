import type { Kysely } from 'kysely';
import type { Database, EventAttemptRow } from '../db/schema.js';

/** The recorded attempts of an event, oldest first. */
export async function listAttempts(db: Kysely<Database>, eventId: string): Promise<EventAttemptRow[]> {
  return db.selectFrom('event_attempts').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
}
