import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/create-database.js';
import { EVENTS_CHANNEL } from '../db/dialect-adapter.js';
import type { EventWorker } from './event-worker.js';

/**
 * Wakes the worker whenever another process announces new events (API-only processes on PostgreSQL); SQLite has
 * no other process. Returns how to stop listening.
 */
export function listenForNewEvents(
  database: DatabaseHandle,
  worker: EventWorker,
  logger: Logger,
): Promise<() => Promise<void>> {
  return database.listen(
    EVENTS_CHANNEL,
    () => worker.wake(),
    (error) =>
      logger.warn({ err: error }, 'lost the new-event notifications; reconnecting (the poll covers the gap)'),
  );
}
