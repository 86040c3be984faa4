import type { Insertable, Kysely } from 'kysely';
import { prepareQuery } from '../db/prepared-query.js';
import type { Database, EventAttemptsTable } from '../db/schema.js';

/** Adds one processing attempt to an event's history (the dashboard's timeline), built once (see prepareQuery). */
export const recordAttempt = prepareQuery((db: Kysely<Database>, p: Insertable<EventAttemptsTable>) =>
  db.insertInto('event_attempts').values({
    event_id: p.event_id,
    attempt: p.attempt,
    started_at: p.started_at,
    finished_at: p.finished_at,
    outcome: p.outcome,
    error_code: p.error_code,
    error_message: p.error_message,
    worker_id: p.worker_id,
  }),
);
