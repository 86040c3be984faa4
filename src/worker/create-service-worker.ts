import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { createModuleHandlers, MODULES, moduleDependencies, type ZohoModule } from '../modules/index.js';
import type { MoodleClient } from '../moodle/create-moodle-client.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import { createWorker } from './create-worker.js';
import type { EventWorker } from './event-worker.js';
import { createZohoLink } from './zoho-link.js';

/**
 * How long new events gather before they are claimed (see WorkerOptions.lingerMs): fewer, fuller worker
 * transactions leave the write lock to intake more often (docs/PERFORMANCE.md#claim-linger); events wait at
 * most that much longer.
 */
const LINGER_MS = 10;

/** The worker of a service: every module's handler (built by the registry), set up from the configuration. */
export function createServiceWorker(options: {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  /** Undefined when Moodle is not configured: modules then keep their local mirror only. */
  moodle: MoodleClient | undefined;
  /** Undefined when Zoho is not connected: the worker is then webhook-only and writes nothing back. */
  zoho: ZohoApi | undefined;
  /** Whose events the worker processes (default: MODULES). */
  modules?: readonly ZohoModule[];
  /** SQLite: this process is the only worker, so every claimed event is given back at start. */
  releaseAllOnStart: boolean;
  /** SQLite: whether intake waits for the write lock (see WorkerOptions.intakeWaiting). */
  intakeWaiting?: () => boolean;
  onAttempt: (
    module: string,
    outcome: 'completed' | 'retry' | 'failed',
    errorCode: string | undefined,
  ) => void;
}): EventWorker {
  const { config, moodle } = options;
  const modules = options.modules ?? MODULES;
  if (config.zoho.fetchRecords && !options.zoho) {
    options.logger.error(
      'ZOHO_FETCH_RECORDS=true, but Zoho is not connected: every insert and update fails (zoho.not_connected) until it is. Run `mzi zoho connect` (or set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC) and restart, or turn ZOHO_FETCH_RECORDS off.',
    );
  }
  return createWorker({
    db: options.db,
    logger: options.logger,
    handlers: createModuleHandlers({ modules, config, moodle, zoho: options.zoho }),
    dependencies: moduleDependencies(modules, config),
    zoho: createZohoLink({ modules, config, api: options.zoho }),
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
