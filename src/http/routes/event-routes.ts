import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { getEventStats, getQueueState } from '../../event-log/event-store.js';

export interface EventRoutesOptions {
  db: Kysely<Database>;
  /** Everything health reports besides the database check; no personal data. */
  describe: () => Record<string, unknown>;
}

/** `GET /api/v1/events/health` and `/stats`: the original system's contract (DESIGN.md §1). */
export async function eventRoutes(app: FastifyInstance, options: EventRoutesOptions): Promise<void> {
  const { db } = options;

  app.get('/api/v1/events/health', async (request, reply) => {
    const checkedAt = new Date().toISOString();
    try {
      const queue = await getQueueState(db);
      return reply.send({
        status: 'healthy',
        checked_at: checkedAt,
        ...options.describe(),
        database: { ...(options.describe().database as object), status: 'ok' },
        queue,
      });
    } catch (error) {
      request.log.error({ err: error }, 'health check: database unusable');
      return reply.status(503).send({
        status: 'unhealthy',
        checked_at: checkedAt,
        reason: 'The database cannot be queried; check disk space and DATABASE_URL.',
        ...options.describe(),
        database: { ...(options.describe().database as object), status: 'error' },
      });
    }
  });

  app.get('/api/v1/events/stats', async (_request, reply) => reply.send(await getEventStats(db)));
}
