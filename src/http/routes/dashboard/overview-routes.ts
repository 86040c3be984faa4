import type { FastifyInstance } from 'fastify';
import { overviewPage } from '../../../dashboard/overview-page.js';
import { deliveriesPerMinute } from '../../../event-log/deliveries-per-minute.js';
import { getEventStats } from '../../../event-log/get-event-stats.js';
import { getQueueState } from '../../../event-log/get-queue-state.js';
import { fromZoho } from '../../../modules/index.js';
import { webhookPath } from '../../webhook-urls.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { replyHtml } from './reply-html.js';

/** `/admin`: counts, queue, deliveries per minute, and the state of the worker, Moodle and authentication. */
export function overviewRoutes(
  pages: FastifyInstance,
  options: Pick<DashboardRoutesOptions, 'config' | 'db' | 'readStatus' | 'modules' | 'readZohoSync'>,
): void {
  const { db, config } = options;

  pages.get('/admin', async (request, reply) => {
    const now = new Date();
    const hours = 3;
    const described = options.readStatus();
    const [stats, queue, perMinute, zohoSync] = await Promise.all([
      getEventStats(db, { recent: 0 }),
      getQueueState(db),
      deliveriesPerMinute(db, new Date(now.getTime() - hours * 3_600_000).toISOString()),
      options.readZohoSync?.(),
    ]);
    const base = config.publicUrl ?? `${request.protocol}://${request.host}`;
    return replyHtml(
      reply,
      overviewPage({
        stats,
        queue,
        perMinute,
        hours,
        now,
        worker: (described.worker ?? {}) as Record<string, unknown>,
        moodle: (described.moodle_detail ?? {
          status: 'disabled',
          detail: null,
          checked_at: null,
        }) as never,
        authMode: String((described.webhook_auth as { mode?: string } | undefined)?.mode ?? 'disabled'),
        webhookUrls: fromZoho(options.modules).map(
          (module) => `${base}${webhookPath(module)}?operation=insert|update|delete`,
        ),
        database: String((described.database as { description?: string } | undefined)?.description ?? ''),
        zohoSync,
      }),
    );
  });
}
