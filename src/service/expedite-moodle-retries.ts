import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { expediteRetries } from '../event-log/expedite-retries.js';
import { MOODLE_TRANSPORT_CODES } from '../moodle/moodle-errors.js';
import type { EventWorker } from '../worker/event-worker.js';

/**
 * Called when Moodle answers again: the events that were waiting out a backoff because Moodle was down go now,
 * instead of up to an hour later.
 */
export function expediteMoodleRetries(options: {
  db: Kysely<Database>;
  worker: EventWorker;
  logger: Logger;
}): void {
  const { worker, logger } = options;
  void expediteRetries(options.db, MOODLE_TRANSPORT_CODES)
    .then((count) => {
      logger.info({ count }, 'Moodle answers again: retrying the events that were waiting for it');
      worker.wake();
    })
    .catch((error: unknown) =>
      logger.error({ err: error }, 'could not expedite retries after Moodle recovered'),
    );
}
