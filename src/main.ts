import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { resolveAdminToken } from './admin/admin-token.js';
import { runDoctor } from './admin/run-doctor.js';
import { type Config, isWebhookAuthDisabled } from './config.js';
import { createDatabase, type DatabaseHandle, isSharedSqliteFile } from './db/create-database.js';
import { migrateToLatest } from './db/migrate.js';
import { ThreadWriteLock } from './db/sqlite-dialect.js';
import { AppError } from './errors.js';
import { expediteRetries } from './event-log/expedite-retries.js';
import { getQueueState } from './event-log/get-queue-state.js';
import { createApp } from './http/create-app.js';
import { webhookPath } from './http/webhook-urls.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics/create-metrics.js';
import { MODULES, moduleMigrations, type ZohoModule } from './modules/index.js';
import type { MoodleClient } from './moodle/create-moodle-client.js';
import { MOODLE_TRANSPORT_CODES } from './moodle/moodle-errors.js';
import { createMoodleFromConfig } from './moodle/moodle-from-config.js';
import { createMoodleHealth, type MoodleHealth } from './moodle/moodle-health.js';
import { VERSION } from './version.js';
import { type AppenderThreadOptions, startAppenderThread } from './webhooks/appender-thread-proxy.js';
import { createEventAppender, type EventAppender } from './webhooks/create-event-appender.js';
import type { EventWorker } from './worker/event-worker.js';
import { startWorkerThread, type WorkerThreadOptions } from './worker/worker-thread-proxy.js';

export { VERSION };

export type Role = 'all' | 'api' | 'worker';

export interface Service {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly app: FastifyInstance;
  readonly appender: EventAppender;
  readonly worker: EventWorker;
  readonly moodle: MoodleClient | undefined;
  readonly moodleHealth: MoodleHealth;
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
  } = {},
): Promise<Service> {
  const role = options.role ?? 'all';
  const modules = options.modules ?? MODULES;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // SQLite in a file: the event log gets an appender thread and connection of its own (see startAppenderThread).
  const appenderThread = options.threads !== false && isSharedSqliteFile(config.databaseUrl);
  const writeLock = appenderThread ? new ThreadWriteLock() : undefined;
  const database = createDatabase(config.databaseUrl, {
    // The appender thread fsyncs each commit and checkpoints; this connection writes what can be done again.
    ...(appenderThread ? { fsyncEachCommit: false, walAutocheckpointPages: 0 } : {}),
    writeLock,
    preparedStatements: config.pgPreparedStatements,
  });
  if (role !== 'all' && database.adapter.singleProcess) {
    await database.close();
    throw new AppError(
      'config.role_needs_postgres',
      `--role ${role} runs API and worker in separate processes, which needs PostgreSQL (DATABASE_URL=postgres://…); with SQLite use --role all.`,
      { status: 400 },
    );
  }
  const migration = await migrateToLatest(database.db, moduleMigrations(modules));
  if (migration.error) {
    await database.close();
    throw new AppError('database.migration_failed', `Database migration failed: ${String(migration.error)}`, {
      cause: migration.error,
    });
  }

  const metrics = createMetrics();
  metrics.setQueueReader(async () => {
    const queue = await getQueueState(database.db);
    return { pending: queue.pending, processing: queue.processing, oldestPendingAt: queue.oldest_pending_at };
  });
  let onMoodleUnreachable = (_detail: string) => {};
  const moodle = createMoodleFromConfig(config, {
    onTransportError: (error) => onMoodleUnreachable(error.message),
    onCall: (call) => metrics.moodleCall(call.wsfunction, call.outcome, call.seconds, call.errorcode),
  });
  let onMoodleRecovered = () => {};
  const moodleHealth = createMoodleHealth(moodle, {
    intervalMs: 60_000,
    downIntervalMs: 10_000,
    onRecovered: () => onMoodleRecovered(),
  });
  onMoodleUnreachable = (detail) => moodleHealth.noteUnreachable(detail);
  const onAttempt = (module: string, outcome: string, errorCode: string | undefined) =>
    metrics.attempt(module, outcome, errorCode);
  // SQLite in a file, API and worker in this process: the worker gets a thread and connection of its own.
  const threaded = appenderThread && role === 'all';
  // The handlers (validation, Moodle mapping, country names) are loaded only by the thread that runs them.
  const inProcess = threaded
    ? undefined
    : {
        ...(await import('./worker/create-service-worker.js')),
        ...(await import('./worker/listen-for-new-events.js')),
      };
  const worker: EventWorker = inProcess
    ? inProcess.createServiceWorker({
        config,
        db: database.db,
        logger: logger.child({ component: 'worker' }),
        moodle,
        modules,
        releaseAllOnStart: database.adapter.singleProcess,
        onAttempt,
      })
    : startWorkerThread({
        config,
        writeLock: (writeLock as ThreadWriteLock).buffer,
        logger,
        onAttempt,
        onMoodleCall: (call) =>
          metrics.moodleCall(call.wsfunction, call.outcome, call.seconds, call.errorcode),
        onMoodleUnreachable: (detail) => moodleHealth.noteUnreachable(detail),
        ...(options.createWorkerThread ? { createThread: options.createWorkerThread } : {}),
      });
  const runsWorker = role !== 'api' && config.worker.enabled;
  onMoodleRecovered = () => {
    // Events that were waiting out a backoff because Moodle was down go now, instead of up to an hour later.
    void expediteRetries(database.db, MOODLE_TRANSPORT_CODES)
      .then((count) => {
        logger.info({ count }, 'Moodle answers again: retrying the events that were waiting for it');
        worker.wake();
      })
      .catch((error: unknown) =>
        logger.error({ err: error }, 'could not expedite retries after Moodle recovered'),
      );
  };
  const appenderSettings = {
    dedupWindowSeconds: config.webhook.dedupWindowSeconds,
    maxAttempts: config.worker.maxAttempts,
    onAppended: () => worker.wake(),
  };
  let appender: EventAppender;
  try {
    appender = appenderThread
      ? await startAppenderThread({
          ...appenderSettings,
          databaseUrl: config.databaseUrl,
          bodyLimitBytes: config.webhook.bodyLimitBytes,
          ...(options.createAppenderThread ? { createThread: options.createAppenderThread } : {}),
          writeLock: (writeLock as ThreadWriteLock).buffer,
          // The worker thread checkpoints (worker-thread-main.ts); without it, commits do, at SQLite's default.
          walAutocheckpointPages: threaded && runsWorker ? 10_000 : 1000,
          logger: logger.child({ component: 'log-writer' }),
        })
      : createEventAppender({ ...appenderSettings, db: database.db, modules });
  } catch (error) {
    await database.close();
    throw error;
  }

  let authRejected = 0;
  const startedAt = Date.now();
  const authMode = [
    config.webhook.secrets.length > 0 ? 'hmac' : undefined,
    config.webhook.tokens.length > 0 ? 'token' : undefined,
  ]
    .filter(Boolean)
    .join('+');
  const admin = resolveAdminToken(config);
  if (!admin) throw new AppError('config.admin_token', 'No admin token could be set up; set ADMIN_TOKEN.');
  const app = createApp({
    config,
    database,
    appender,
    logger,
    adminToken: admin.token,
    metrics,
    doctor: () => runDoctor(config, { database, moodle, modules }),
    modules,
    onAuthRejected: () => {
      authRejected += 1;
    },
    readStatus: () => ({
      version: VERSION,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      database: { dialect: database.adapter.name, description: database.description },
      worker: runsWorker ? worker.state() : { status: 'disabled' },
      moodle: moodleHealth.state().status,
      moodle_detail: moodleHealth.state(),
      webhook_auth: { mode: authMode || 'disabled', rejected: authRejected },
    }),
  });

  let stopListening = async () => {};
  return {
    config,
    logger,
    database,
    app,
    appender,
    worker,
    moodle,
    moodleHealth,
    async start(startOptions = {}) {
      if (isWebhookAuthDisabled(config)) {
        logger.warn(
          'WEBHOOK AUTHENTICATION IS OFF: ZOHO_WEBHOOK_SECRET and ZOHO_WEBHOOK_TOKEN are empty, so anyone who can reach this port can post events. Use this for local testing only.',
        );
      }
      if (admin.generated) {
        // Shown once, and only on a terminal: logs never hold secrets, and an output that is not a terminal
        // (systemd's journal, a container's log, a redirected file) is a log that others may read.
        if (process.stdout.isTTY) {
          process.stdout.write(
            `\nAdmin token for the dashboard (/admin) and the admin API, created in ${admin.path}:\n\n    ${admin.token}\n\nShow it again with \`npx mzi admin-token\`; set ADMIN_TOKEN to choose your own.\n\n`,
          );
        } else {
          logger.warn(
            { path: admin.path },
            'An admin token for the dashboard (/admin) and the admin API was created; it is kept out of the logs. Show it with `npx mzi admin-token`, or set ADMIN_TOKEN to choose your own.',
          );
        }
      }
      if (!moodle) {
        logger.info('Moodle is not configured (MOODLE_URL is empty): students are mirrored locally only.');
      }
      moodleHealth.start();
      if (runsWorker) await worker.start();
      // A threaded worker listens on its own connection.
      if (runsWorker && inProcess)
        stopListening = await inProcess.listenForNewEvents(database, worker, logger);
      if (startOptions.listen === false || role === 'worker') {
        logger.info(
          { database: database.description, role },
          `mzi ${VERSION} worker started; database: ${database.description}`,
        );
        return undefined;
      }
      const address = await app.listen({ port: config.port, host: config.host });
      const local = address.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost');
      logger.info(
        { address, database: database.description, role },
        `mzi ${VERSION} listening on ${address}; database: ${database.description}; ${webhookList(local, modules)}`,
      );
      return address;
    },
    async close() {
      await app.close();
      moodleHealth.stop();
      await stopListening();
      await worker.stop();
      await appender.close();
      await database.close();
    },
  };
}

/** The webhook URLs for the start-up line: `webhook: POST <url>`, or `webhooks: POST <url>, <url>`. */
function webhookList(base: string, modules: readonly ZohoModule[]): string {
  const urls = modules.map((module) => `${base}${webhookPath(module)}`);
  return `${urls.length === 1 ? 'webhook' : 'webhooks'}: POST ${urls.join(', ')}`;
}
