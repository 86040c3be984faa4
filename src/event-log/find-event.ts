import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../db/schema.js';

/**
 * The largest event id: PostgreSQL numbers events with `serial`, a 32-bit integer, and fails a query that
 * compares it with a larger number (SQLite's rowid is wider, but gets nowhere near it).
 */
export const MAX_EVENT_ID = 2_147_483_647;

/** Finds an event by its public `event_id` or its numeric row id. */
export async function findEvent(db: Kysely<Database>, ref: string): Promise<EventRow | undefined> {
  const query = db.selectFrom('integration_events_log').selectAll();
  if (/^\d{1,10}$/.test(ref) && Number(ref) <= MAX_EVENT_ID)
    return query.where('id', '=', Number(ref)).executeTakeFirst();
  return query.where('event_id', '=', ref).executeTakeFirst();
}
