import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { applyEventFilter, type EventFilter } from './apply-event-filter.js';

/** How many events match a filter (the confirmation of a bulk retry). */
export async function countEvents(db: Kysely<Database>, filter: EventFilter): Promise<number> {
  const row = await applyEventFilter(
    db.selectFrom('integration_events_log').select((eb) => eb.fn.countAll<number | string>().as('n')),
    filter,
  ).executeTakeFirst();
  return Number(row?.n ?? 0);
}
