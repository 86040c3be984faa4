import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { applyEventFilter, type EventFilter } from './apply-event-filter.js';
import { requeue } from './requeue.js';

/** Queues every failed event that matches the filter for one more attempt; returns how many. */
export async function retryMatchingEvents(
  db: Kysely<Database>,
  filter: EventFilter,
  now: Date = new Date(),
): Promise<number> {
  const ids = applyEventFilter(db.selectFrom('integration_events_log').select('id'), {
    ...filter,
    status: 'failed',
  }).where('event_type', '!=', 'invalid');
  const result = await db
    .updateTable('integration_events_log')
    .set(requeue(now))
    .where('id', 'in', ids)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
