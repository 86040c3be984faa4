import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { applyEventFilter, type EventFilter } from './apply-event-filter.js';
import { EVENT_SUMMARY_COLUMNS, type EventSummary } from './event-summary.js';

/**
 * A page of events, newest first (`before`: ids below this one), or the events that arrived since a page
 * was shown (`after`: ids above this one, oldest first, for live refresh).
 */
export async function listEventPage(
  db: Kysely<Database>,
  filter: EventFilter,
  page: { limit: number; before?: number | undefined; after?: number | undefined },
): Promise<EventSummary[]> {
  let query = applyEventFilter(
    db.selectFrom('integration_events_log').select(EVENT_SUMMARY_COLUMNS),
    filter,
  ).limit(page.limit);
  if (page.after !== undefined) return query.where('id', '>', page.after).orderBy('id', 'asc').execute();
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  return query.orderBy('id', 'desc').execute();
}
