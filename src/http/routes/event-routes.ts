import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { getEventStats } from '../../event-log/get-event-stats.js';
import { getQueueState } from '../../event-log/get-queue-state.js';
import type { ZohoSyncStatus } from '../../sync/read-sync-status.js';
import { publicError } from '../public-error.js';
import type { ServiceStatus } from '../service-status.js';

export interface EventRoutesOptions {
  db: Kysely<Database>;
  /** Whether the event log can be written (a full disk leaves it readable). */
  appendState: () => { writable: boolean; lastError: string | null; lastErrorAt: string | null };
  /** Tries a harmless write after a failed one; true when the log accepts writes again. */
  probeAppend: () => Promise<boolean>;
  /** Everything health reports besides the database check; no personal data. */
  readStatus: () => ServiceStatus;
  /** Whether the request carries the admin token (or session): only then does health say where the data lives. */
  isAdmin: (request: FastifyRequest) => Promise<boolean>;
  /** The Zoho sync and the failed webhook deliveries Zoho reported (README, "Catching up: mzi sync"). */
  readZohoSync?: () => Promise<ZohoSyncStatus>;
}

/** `GET /api/v1/events/health` and `/stats`: the original system's contract (DESIGN.md §1). */
export async function eventRoutes(app: FastifyInstance, options: EventRoutesOptions): Promise<void> {
  const { db } = options;

  app.get('/api/v1/events/health', async (request, reply) => {
    const checkedAt = new Date().toISOString();
    // A session is looked up in the database, which may be the very thing that is down: then health is public.
    const admin = await options.isAdmin(request).catch(() => false);
    const described = admin ? options.readStatus() : forThePublic(options.readStatus());
    const database = databaseFor(described.database, admin);
    try {
      const queue = await getQueueState(db);
      const zohoSync = options.readZohoSync
        ? { zoho_sync: zohoSyncFor(await options.readZohoSync(), admin) }
        : {};
      const append = options.appendState();
      if (!append.writable && !(await options.probeAppend())) {
        return reply.status(503).send({
          status: 'unhealthy',
          checked_at: checkedAt,
          reason: `The event log cannot be written (${admin ? append.lastError : publicError(append.lastError)}, since ${append.lastErrorAt}); deliveries get 503. Check disk space and that the database server is up; mzi recovers by itself.`,
          ...described,
          database: { ...database, status: 'read-only' },
          queue,
          ...zohoSync,
        });
      }
      return reply.send({
        status: 'healthy',
        checked_at: checkedAt,
        ...described,
        database: { ...database, status: 'ok' },
        queue,
        ...zohoSync,
      });
    } catch (error) {
      request.log.error({ err: error }, 'health check: database unusable');
      return reply.status(503).send({
        status: 'unhealthy',
        checked_at: checkedAt,
        reason: `The database cannot be queried${errorCodeOf(error)}; deliveries get 503 until it answers again, and mzi reconnects by itself. Check that the database server is up, DATABASE_URL and disk space.`,
        ...described,
        database: { ...database, status: 'error' },
      });
    }
  });

  app.get('/api/v1/events/stats', async (_request, reply) => reply.send(await getEventStats(db)));
}

/** What health tells anyone: the worker's last error reduced as above. */
function forThePublic(described: ServiceStatus): ServiceStatus {
  const { worker } = described;
  if (!('last_error' in worker) || !worker.last_error) return described;
  return { ...described, worker: { ...worker, last_error: publicError(worker.last_error) } };
}

/**
 * The Zoho sync as health shows it: everything to the admin; to anyone else its state and counts, without
 * error texts, the failed deliveries' record ids or the Moodle polls' problems (only their number).
 */
function zohoSyncFor(status: ZohoSyncStatus, admin: boolean): unknown {
  if (admin) return status;
  return {
    ...status,
    modules: status.modules.map(({ last_error, ...rest }) => ({
      ...rest,
      last_error: last_error === null ? null : publicError(last_error),
    })),
    moodle_polls: status.moodle_polls.map(({ last_error, last_poll, ...rest }) => ({
      ...rest,
      last_error: last_error === null ? null : publicError(last_error),
      last_poll: last_poll && { ...last_poll, problems: last_poll.problems.length },
    })),
    webhook_failures: { count: status.webhook_failures.count, latest_at: status.webhook_failures.latest_at },
  };
}

/**
 * The database as health shows it: its kind for anyone; where it is (a file path, PostgreSQL's user, host and
 * database name) only for the admin, since health is public (SECURITY.md).
 */
function databaseFor(
  database: ServiceStatus['database'],
  admin: boolean,
): Partial<ServiceStatus['database']> {
  const { description, ...rest } = database;
  return admin ? { ...rest, description } : rest;
}

/** The error's code in brackets (a SQLSTATE or a socket error such as ECONNREFUSED), never its message. */
function errorCodeOf(error: unknown): string {
  const code = error && typeof error === 'object' && 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? ` (${code})` : '';
}
