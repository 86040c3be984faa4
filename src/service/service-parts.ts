import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AdminToken } from '../admin/admin-token.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/create-database.js';
import type { ZohoModule } from '../modules/index.js';
import type { MoodleClient } from '../moodle/create-moodle-client.js';
import type { MoodleHealth } from '../moodle/moodle-health.js';
import type { BackgroundPoll } from '../moodle-poll/background-poll.js';
import type { BackgroundSync } from '../sync/background-sync.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';
import type { EventWorker } from '../worker/event-worker.js';

/** Which half of the service a process runs: `all` is both, `api` the HTTP intake, `worker` the event worker. */
export type Role = 'all' | 'api' | 'worker';

/** What `createService` built, shared by the functions that start, report on and stop the service. */
export interface ServiceParts {
  readonly config: Config;
  readonly logger: Logger;
  readonly role: Role;
  readonly modules: readonly ZohoModule[];
  readonly database: DatabaseHandle;
  readonly app: FastifyInstance;
  readonly appender: EventAppender;
  readonly worker: EventWorker;
  /** False for `--role api` and WORKER_ENABLED=false: the worker is built but never started. */
  readonly runsWorker: boolean;
  /** An in-process worker: wakes it on the notifications of other processes. A threaded worker listens itself. */
  readonly listenForNewEvents: (() => Promise<() => Promise<void>>) | undefined;
  readonly moodle: MoodleClient | undefined;
  readonly moodleHealth: MoodleHealth;
  readonly admin: AdminToken;
  /** The background Zoho sync, when Zoho is connected and ZOHO_SYNC_INTERVAL is not 0. */
  readonly zohoSync: BackgroundSync | undefined;
  /** The background polls of modules read from Moodle (grades). */
  readonly moodlePolls: readonly BackgroundPoll[];
  /** Stops the listening started by `start` (nothing before). */
  stopListening: () => Promise<void>;
}
