import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createService, type Service } from '../../src/main.js';
import {
  type AppenderThreadSettings,
  createAppenderThread,
} from '../../src/webhooks/appender-thread-proxy.js';
import { createWorkerThread, type WorkerThreadSettings } from '../../src/worker/worker-thread-proxy.js';
import { createTestDatabase } from './test-database.js';

/** The admin token of test services (override with ADMIN_TOKEN in env). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestService extends Service {
  dir: string;
  /** Every log line the service wrote, as text. */
  logs: () => string;
  cleanup: () => Promise<void>;
}

/**
 * The appender thread from dist/, which test/global-setup.ts builds from src/ before each run and each watch
 * rerun: a worker thread does not go through Vitest's TypeScript transform, and starts slowly through tsx.
 */
export function compiledAppenderThread(settings: AppenderThreadSettings) {
  return createAppenderThread(
    settings,
    new URL('../../dist/webhooks/appender-thread-main.js', import.meta.url),
  );
}

/** The worker thread from dist/, for the same reasons. */
export function compiledWorkerThread(settings: WorkerThreadSettings) {
  return createWorkerThread(settings, new URL('../../dist/worker/worker-thread-main.js', import.meta.url));
}

/**
 * A thread that takes the write lock in `writeLock` and keeps it until it ends, as one that dies mid-transaction
 * would. It says it is ready once it holds the lock, and answers each request that has an id with `reply` and
 * that id in its results (so that a proxy's requests succeed).
 */
export function lockHoldingThread(writeLock: SharedArrayBuffer, reply: object): Worker {
  return new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.module).then(async ({ ThreadWriteLock }) => {
       await new ThreadWriteLock(workerData.writeLock, { blocking: true }).acquire();
       parentPort.on('message', (request) => {
         if (request.id !== undefined)
           parentPort.postMessage({ ...workerData.reply, results: [{ id: request.id, ok: true, value: undefined }] });
       });
       parentPort.postMessage({ kind: 'ready' });
     });`,
    {
      eval: true,
      workerData: {
        writeLock,
        reply,
        module: new URL('../../dist/db/sqlite-dialect.js', import.meta.url).href,
      },
    },
  );
}

/**
 * The error `new Worker` throws, at once, when the system refuses a new thread (seen with a process limit:
 * ERR_WORKER_INIT_FAILED, message "EAGAIN").
 */
export function refusedThread(): Error {
  return Object.assign(new Error('EAGAIN'), { code: 'ERR_WORKER_INIT_FAILED' });
}

/**
 * A real service on a fresh real database (SQLite file, or PostgreSQL schema with TEST_DATABASE_URL); logs captured.
 * On SQLite it runs the log writer and the worker in threads, as `mzi serve` does; `{ threads: false }` in
 * `overrides` runs them in this thread instead, for the tests whose subject is not the threads (they start faster).
 */
export async function startTestService(
  env: Record<string, string> = {},
  overrides: Parameters<typeof createService>[1] = {},
): Promise<TestService> {
  const database = await createTestDatabase();
  const config = loadConfig({
    env: {
      DATABASE_URL: database.url,
      DATA_DIR: database.dir,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'debug',
      WORKER_POLL_INTERVAL_MS: '50',
      ...env,
    },
    dotenvPath: null,
    // The settings of modules a test defines are read too.
    ...(overrides.modules ? { modules: overrides.modules } : {}),
  });
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({
    level: config.logLevel,
    pretty: false,
    destination: destination as pino.DestinationStream,
  });
  const service = await createService(config, {
    logger,
    createAppenderThread: compiledAppenderThread,
    createWorkerThread: compiledWorkerThread,
    ...overrides,
  });
  await service.start({ listen: false });
  return Object.assign(service, {
    dir: database.dir,
    logs: () => chunks.join(''),
    cleanup: async () => {
      await service.close();
      await database.drop();
    },
  });
}
