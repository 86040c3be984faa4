import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/create-database.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { ZohoModule } from '../modules/index.js';
import type { MoodleClient } from '../moodle/create-moodle-client.js';
import type { MoodleHealth } from '../moodle/moodle-health.js';
import type { EventWorker } from '../worker/event-worker.js';
import { startWorkerThread, type WorkerThreadOptions } from '../worker/worker-thread-proxy.js';

export interface OpenedWorker {
  worker: EventWorker;
  /** In-process only: wakes the worker on other processes' new-event notifications; returns how to stop. */
  listenForNewEvents: (() => Promise<() => Promise<void>>) | undefined;
}

/**
 * The service's event worker: in a thread with a connection of its own when `writeLock` is given (SQLite in a
 * file, API and worker in this process), else in this process on the service's connection. Whether it is
 * started depends on the role (see startService).
 */
export async function openWorker(options: {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  modules: readonly ZohoModule[];
  moodle: MoodleClient | undefined;
  moodleHealth: MoodleHealth;
  metrics: Metrics;
  /** The lock shared with the worker thread; undefined runs the worker in this process. */
  writeLock: SharedArrayBuffer | undefined;
  createWorkerThread: WorkerThreadOptions['createThread'] | undefined;
}): Promise<OpenedWorker> {
  const { config, logger, database, metrics, moodleHealth } = options;
  const onAttempt = (module: string, outcome: string, errorCode: string | undefined) =>
    metrics.attempt(module, outcome, errorCode);
  if (options.writeLock) {
    const worker = startWorkerThread({
      config,
      writeLock: options.writeLock,
      logger,
      onAttempt,
      onMoodleCall: (call) => metrics.moodleCall(call.wsfunction, call.outcome, call.seconds, call.errorcode),
      onZohoCall: (call) => metrics.zohoCall(call),
      onMoodleUnreachable: (detail) => moodleHealth.noteUnreachable(detail),
      ...(options.createWorkerThread ? { createThread: options.createWorkerThread } : {}),
    });
    return { worker, listenForNewEvents: undefined };
  }
  // The handlers (validation, Moodle mapping, country names) are loaded only by the thread that runs them.
  const { createServiceWorker } = await import('../worker/create-service-worker.js');
  const { listenForNewEvents } = await import('../worker/listen-for-new-events.js');
  const { openZohoClient } = await import('../zoho/open-zoho-client.js');
  const worker = createServiceWorker({
    config,
    db: database.db,
    logger: logger.child({ component: 'worker' }),
    moodle: options.moodle,
    zoho: await openZohoClient({
      config,
      db: database.db,
      logger,
      onCall: (call) => metrics.zohoCall(call),
    }),
    modules: options.modules,
    releaseAllOnStart: database.adapter.singleProcess,
    onAttempt,
  });
  return { worker, listenForNewEvents: () => listenForNewEvents(database, worker, logger) };
}
