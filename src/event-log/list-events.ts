import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../db/schema.js';
import type { EventFilter } from './apply-event-filter.js';

/** Newest first. */
export async function listEvents(
  db: Kysely<Database>,
  options: EventFilter & { limit: number; beforeId?: number },
): Promise<EventRow[]> {
  let query = db.selectFrom('integration_events_log').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.module) query = query.where('module', '=', options.module);
  if (options.recordId) query = query.where('record_id', '=', options.recordId);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  return query.execute();
}
