import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../db/schema.js';
import { applyEventFilter, type EventFilter } from './apply-event-filter.js';

/** Newest first. */
export async function listEvents(
  db: Kysely<Database>,
  options: EventFilter & { limit: number; beforeId?: number },
): Promise<EventRow[]> {
  let query = applyEventFilter(db.selectFrom('integration_events_log').selectAll(), options)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  return query.execute();
}
