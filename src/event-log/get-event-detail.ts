import type { Kysely } from 'kysely';
import type { Database, EventAttemptRow, EventRow } from '../db/schema.js';
import { type EventWriteBack, eventWriteBack } from '../write-back/event-write-back.js';
import { EVENT_SUMMARY_COLUMNS, type EventSummary } from './event-summary.js';
import { getEventOrThrow } from './get-event-or-throw.js';
import { listAttempts } from './list-attempts.js';

export interface EventDetail {
  event: EventRow;
  attempts: EventAttemptRow[];
  /** The event this one duplicates, and the re-deliveries recorded as duplicates of this one. */
  original: EventSummary | undefined;
  duplicates: EventSummary[];
  /** How the Moodle ids its completion queued went into Zoho; null when it queued none. */
  zoho_write_back: EventWriteBack | null;
}

/**
 * An event with its attempts, the event it duplicates and its duplicates, and its write-back into Zoho (the
 * event page).
 */
export async function getEventDetail(db: Kysely<Database>, ref: string): Promise<EventDetail> {
  const event = await getEventOrThrow(db, ref);
  const [attempts, original, duplicates, writeBack] = await Promise.all([
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
    eventWriteBack(db, event),
  ]);
  return { event, attempts, original, duplicates, zoho_write_back: writeBack };
}
