import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findEvent } from './find-event.js';

/** The event, or a 404 AppError that says how to list events. */
export async function getEventOrThrow(db: Kysely<Database>, ref: string): Promise<EventRow> {
  const event = await findEvent(db, ref);
  if (!event) {
    throw new AppError(
      'event_not_found',
      `No event with id "${ref.slice(0, 80)}"; list events with \`mzi events list\`.`,
      {
        status: 404,
      },
    );
  }
  return event;
}
