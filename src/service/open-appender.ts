import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/create-database.js';
import type { ZohoModule } from '../modules/index.js';
import { type AppenderThreadOptions, startAppenderThread } from '../webhooks/appender-thread-proxy.js';
import { createEventAppender, type EventAppender } from '../webhooks/create-event-appender.js';

/**
 * The event appender: in a thread with a connection of its own when `writeLock` is given (SQLite in a file, see
 * startAppenderThread), else on the service's connection. Each append wakes the worker (`onAppended`).
 */
export async function openAppender(options: {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  modules: readonly ZohoModule[];
  onAppended: () => void;
  /** The lock shared with the appender thread; undefined appends in this process. */
  writeLock: SharedArrayBuffer | undefined;
  /** The worker thread checkpoints the log (worker-thread-main.ts); else commits do, at SQLite's default. */
  workerThreadCheckpoints: boolean;
  createAppenderThread: AppenderThreadOptions['createThread'] | undefined;
}): Promise<EventAppender> {
  const { config } = options;
  const appenderSettings = {
    dedupWindowSeconds: config.webhook.dedupWindowSeconds,
    maxAttempts: config.worker.maxAttempts,
    onAppended: options.onAppended,
  };
  if (!options.writeLock)
    return createEventAppender({ ...appenderSettings, db: options.database.db, modules: options.modules });
  return await startAppenderThread({
    ...appenderSettings,
    databaseUrl: config.databaseUrl,
    bodyLimitBytes: config.webhook.bodyLimitBytes,
    ...(options.createAppenderThread ? { createThread: options.createAppenderThread } : {}),
    writeLock: options.writeLock,
    walAutocheckpointPages: options.workerThreadCheckpoints ? 10_000 : 1000,
    logger: options.logger.child({ component: 'log-writer' }),
  });
}
