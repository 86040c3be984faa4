import type { Kysely } from 'kysely';
import type { Database, EventAttemptRow, EventRow } from '../db/schema.js';
import { EVENT_SUMMARY_COLUMNS, type EventSummary } from './event-summary.js';
import { getEventOrThrow } from './get-event-or-throw.js';
import { listAttempts } from './list-attempts.js';

export interface EventDetail {
  event: EventRow;
  attempts: EventAttemptRow[];
  /** The event this one duplicates, and the re-deliveries recorded as duplicates of this one. */
  original: EventSummary | undefined;
  duplicates: EventSummary[];
}

/** An event with its attempts, the event it duplicates and its duplicates (the event page). */
export async function getEventDetail(db: Kysely<Database>, ref: string): Promise<EventDetail> {
  const event = await getEventOrThrow(db, ref);
  const [attempts, original, duplicates] = await Promise.all([
    listAttempts(db, event.event_id),
    event.duplicate_of
      ? db
          .selectFrom('integration_events_log')
          .select(EVENT_SUMMARY_COLUMNS)
          .where('event_id', '=', event.duplicate_of)
          .executeTakeFirst()
      : Promise.resolve(undefined),
    db
      .selectFrom('integration_events_log')
      .select(EVENT_SUMMARY_COLUMNS)
      .where('duplicate_of', '=', event.event_id)
      .orderBy('id')
      .limit(100)
      .execute(),
  ]);
  return { event, attempts, original, duplicates };
}
