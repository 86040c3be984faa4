import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { resolveAdminToken } from './admin/admin-token.js';
import { runDoctor } from './admin/run-doctor.js';
import type { Config } from './config.js';
import { type DatabaseHandle, isSharedSqliteFile } from './db/create-database.js';
import { ThreadWriteLock } from './db/sqlite-dialect.js';
import { AppError } from './errors.js';
import { createApp } from './http/create-app.js';
import { createLogger } from './logger.js';
import { MODULES, type ZohoModule } from './modules/index.js';
import type { MoodleClient } from './moodle/create-moodle-client.js';
import type { MoodleHealth } from './moodle/moodle-health.js';
import type { BackgroundPoll } from './moodle-poll/background-poll.js';
import { closeService } from './service/close-service.js';
import { connectMoodle } from './service/connect-moodle.js';
import { createServiceMetrics } from './service/create-service-metrics.js';
import { expediteMoodleRetries } from './service/expedite-moodle-retries.js';
import { openAppender } from './service/open-appender.js';
import { openMoodlePolls } from './service/open-moodle-polls.js';
import { openServiceDatabase } from './service/open-service-database.js';
import { openWorker } from './service/open-worker.js';
import { openZohoSync } from './service/open-zoho-sync.js';
import { readServiceStatus, type ServiceCounters } from './service/read-service-status.js';
import type { Role, ServiceParts } from './service/service-parts.js';
import { startService } from './service/start-service.js';
import type { BackgroundSync } from './sync/background-sync.js';
import type { SyncPacing } from './sync/sync-pacing.js';
import { VERSION } from './version.js';
import type { AppenderThreadOptions } from './webhooks/appender-thread-proxy.js';
import type { EventAppender } from './webhooks/create-event-appender.js';
import type { EventWorker } from './worker/event-worker.js';
import type { WorkerThreadOptions } from './worker/worker-thread-proxy.js';

export type { Role };
export { VERSION };

export interface Service {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly app: FastifyInstance;
  readonly appender: EventAppender;
  readonly worker: EventWorker;
  readonly moodle: MoodleClient | undefined;
  readonly moodleHealth: MoodleHealth;
  /** The background Zoho sync, when Zoho is connected and ZOHO_SYNC_INTERVAL is not 0. */
  readonly zohoSync: BackgroundSync | undefined;
  /** The background polls of modules read from Moodle (grades): tests run them with `runOnce`. */
  readonly moodlePolls: readonly BackgroundPoll[];
  /** Starts the worker (unless disabled) and, with `listen`, the HTTP server. Returns the listening address. */
  start(options?: { listen?: boolean }): Promise<string | undefined>;
  /** Graceful stop: no new requests, in-flight requests and events finish, the database is closed. */
  close(): Promise<void>;
}

/** The composition root: builds every part from one Config (STYLE.md). Migrates the database first. */
export async function createService(
  config: Config,
  options: {
    logger?: Logger;
    role?: Role;
    /** SQLite: how the appender thread is started (default: createAppenderThread). */
    createAppenderThread?: AppenderThreadOptions['createThread'];
    /** SQLite: how the worker thread is started (default: createWorkerThread). */
    createWorkerThread?: WorkerThreadOptions['createThread'];
    /** The Zoho modules served (default: MODULES). */
    modules?: readonly ZohoModule[];
    /**
     * SQLite in a file: `false` runs intake and the worker in this process on one connection, as for
     * `sqlite::memory:`, instead of in threads (default true): for tests where the threads are not the subject,
     * and for a module the threads cannot load (one defined in a test).
     */
    threads?: boolean;
    /** How background Zoho sync makes way for live events (default: DEFAULT_SYNC_PACING). */
    syncPacing?: SyncPacing;
  } = {},
): Promise<Service> {
  const role = options.role ?? 'all';
  const modules = options.modules ?? MODULES;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // SQLite in a file: the event log gets an appender thread and connection of its own (see startAppenderThread).
  const appenderThread = options.threads !== false && isSharedSqliteFile(config.databaseUrl);
  const writeLock = appenderThread ? new ThreadWriteLock() : undefined;
  const database = await openServiceDatabase(config, { role, modules, writeLock });

  const metrics = createServiceMetrics(database.db);
  const { moodle, moodleHealth } = connectMoodle(config, {
    metrics,
    // Called only once started, when the worker exists.
    onRecovered: () => expediteMoodleRetries({ db: database.db, worker, logger }),
  });
  // SQLite in a file, API and worker in this process: the worker gets a thread and connection of its own.
  const threaded = appenderThread && role === 'all';
  const { worker, listenForNewEvents } = await openWorker({
    config,
    logger,
    database,
    modules,
    moodle,
    moodleHealth,
    metrics,
    writeLock: threaded ? writeLock?.buffer : undefined,
    createWorkerThread: options.createWorkerThread,
  });
  const runsWorker = role !== 'api' && config.worker.enabled;
  let appender: EventAppender;
  try {
    appender = await openAppender({
      config,
      logger,
      database,
      modules,
      onAppended: () => worker.wake(),
      writeLock: writeLock?.buffer,
      workerThreadCheckpoints: threaded && runsWorker,
      createAppenderThread: options.createAppenderThread,
    });
  } catch (error) {
    await database.close();
    throw error;
  }

  const zohoSync = await openZohoSync({
    config,
    logger,
    database,
    modules,
    moodleConfigured: moodle !== undefined,
    appender,
    metrics,
    pacing: options.syncPacing,
  });
  const moodlePolls = openMoodlePolls({
    config,
    logger,
    database,
    modules,
    moodle,
    appender,
    creditsLast24h: zohoSync.creditsLast24h,
  });
  const counters: ServiceCounters = { startedAt: Date.now(), authRejected: 0 };
  const admin = resolveAdminToken(config);
  if (!admin) throw new AppError('config.admin_token', 'No admin token could be set up; set ADMIN_TOKEN.');
  const app = createApp({
    config,
    database,
    appender,
    logger,
    adminToken: admin.token,
    metrics,
    doctor: () => runDoctor(config, { database, moodle, modules, zohoCall: false }),
    modules,
    onAuthRejected: () => {
      counters.authRejected += 1;
    },
    readStatus: () => readServiceStatus({ config, database, worker, runsWorker, moodleHealth }, counters),
    readZohoSync: zohoSync.readStatus,
  });

  const parts: ServiceParts = {
    config,
    logger,
    role,
    modules,
    database,
    app,
    appender,
    worker,
    runsWorker,
    listenForNewEvents,
    moodle,
    moodleHealth,
    admin,
    zohoSync: zohoSync.background,
    moodlePolls,
    stopListening: async () => {},
  };
  return {
    config,
    logger,
    database,
    app,
    appender,
    worker,
    moodle,
    moodleHealth,
    zohoSync: zohoSync.background,
    moodlePolls,
    start: (startOptions) => startService(parts, startOptions),
    close: () => closeService(parts),
  };
}
