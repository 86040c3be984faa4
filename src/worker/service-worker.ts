import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/create-database.js';
import { EVENTS_CHANNEL } from '../db/dialect.js';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { createStudentHandler } from '../modules/students/handle-student-event.js';
import { createStudentProvisioner } from '../modules/students/provision-student.js';
import { STUDENT_MODULE } from '../modules/students/student-fields.js';
import type { MoodleClient } from '../moodle/create-moodle-client.js';
import { createWorker, type Worker } from './create-worker.js';

/**
 * How long new events gather before they are claimed (see WorkerOptions.lingerMs). With the
 * worker keeping up with SQLite intake (wrk, 32 connections), 10 ms made its transactions 40 % fewer and
 * intake 4 % faster than claiming at once; events wait at most that much longer.
 */
const LINGER_MS = 10;

/** The worker of a service: every module's handler, set up from the configuration. */
export function createServiceWorker(options: {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  /** Undefined when Moodle is not configured: students are then mirrored locally only. */
  moodle: MoodleClient | undefined;
  /** SQLite: this process is the only worker, so every claimed event is given back at start. */
  releaseAllOnStart: boolean;
  /** SQLite: whether intake waits for the write lock (see WorkerOptions.intakeWaiting). */
  intakeWaiting?: () => boolean;
  onAttempt: (
    module: string,
    outcome: 'completed' | 'retry' | 'failed',
    errorCode: string | undefined,
  ) => void;
}): Worker {
  const { config, moodle } = options;
  const provisioner = moodle ? createStudentProvisioner(moodle, config.moodle) : undefined;
  return createWorker({
    db: options.db,
    logger: options.logger,
    handlers: { [STUDENT_MODULE]: createStudentHandler({ provisioner }) },
    concurrency: config.worker.concurrency,
    batchSize: config.worker.batchSize,
    pollIntervalMs: config.worker.pollIntervalMs,
    lingerMs: LINGER_MS,
    leaseSeconds: config.worker.leaseSeconds,
    retentionDays: config.worker.retentionDays,
    onAttempt: (event: ClaimedEvent, outcome, errorCode) =>
      options.onAttempt(event.module, outcome, errorCode),
    releaseAllOnStart: options.releaseAllOnStart,
    ...(options.intakeWaiting ? { intakeWaiting: options.intakeWaiting } : {}),
  });
}

/**
 * Wakes the worker whenever another process announces new events (API-only processes on PostgreSQL); SQLite has
 * no other process. Returns how to stop listening.
 */
export function listenForNewEvents(
  database: DatabaseHandle,
  worker: Worker,
  logger: Logger,
): Promise<() => Promise<void>> {
  return database.listen(
    EVENTS_CHANNEL,
    () => worker.wake(),
    (error) =>
      logger.warn({ err: error }, 'lost the new-event notifications; reconnecting (the poll covers the gap)'),
  );
}
