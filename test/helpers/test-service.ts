import { Writable } from 'node:stream';
import type pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createService, type Service } from '../../src/main.js';
import { createLogWriterThread, type LogWriterSettings } from '../../src/webhooks/log-writer.js';
import { createWorkerThread, type WorkerThreadSettings } from '../../src/worker/threaded-worker.js';
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
 * The log writer thread from dist/, which test/global-setup.ts builds from src/ before each run and each watch
 * rerun: a worker thread does not go through Vitest's TypeScript transform, and starts slowly through tsx.
 */
export function compiledLogWriterThread(settings: LogWriterSettings) {
  return createLogWriterThread(
    settings,
    new URL('../../dist/webhooks/log-writer-thread.js', import.meta.url),
  );
}

/** The worker thread from dist/, for the same reasons. */
export function compiledWorkerThread(settings: WorkerThreadSettings) {
  return createWorkerThread(settings, new URL('../../dist/worker/worker-thread.js', import.meta.url));
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
    createLogWriterThread: compiledLogWriterThread,
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
