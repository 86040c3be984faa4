import type { Kysely } from 'kysely';
import type { Database, EventRow, EventStatus } from '../db/schema.js';
import { AppError } from '../errors.js';
import { getEventOrThrow } from './get-event-or-throw.js';
import { requeue } from './requeue.js';

const RETRYABLE_BY_OPERATOR: readonly EventStatus[] = ['failed', 'completed'];

/**
 * Queues an event again for one more attempt (DESIGN.md §3: a manual retry runs once).
 * Failed and completed events can be retried; pending, processing and duplicate ones cannot.
 */
export async function retryEvent(
  db: Kysely<Database>,
  ref: string,
  now: Date = new Date(),
): Promise<EventRow> {
  const event = await getEventOrThrow(db, ref);
  if (!RETRYABLE_BY_OPERATOR.includes(event.status) || event.event_type === 'invalid') {
    const why =
      event.status === 'duplicate'
        ? `it is a duplicate of ${event.duplicate_of}; retry that one instead`
        : event.event_type === 'invalid'
          ? 'its operation is not one mzi knows; send the delivery again with a valid operation'
          : `it is ${event.status}`;
    throw new AppError('event_not_retryable', `Event ${event.event_id} cannot be retried: ${why}.`, {
      status: 409,
    });
  }
  await db
    .updateTable('integration_events_log')
    .set(requeue(now))
    .where('id', '=', event.id)
    .where('status', 'in', RETRYABLE_BY_OPERATOR)
    .execute();
  return getEventOrThrow(db, event.event_id);
}
