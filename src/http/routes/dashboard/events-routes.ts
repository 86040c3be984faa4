import type { FastifyInstance } from 'fastify';
import { eventsPage, retryConfirmPage } from '../../../dashboard/events-page.js';
import { countEvents } from '../../../event-log/count-events.js';
import { MAX_EVENT_ID } from '../../../event-log/find-event.js';
import { getEventStats } from '../../../event-log/get-event-stats.js';
import { listEventPage } from '../../../event-log/list-event-page.js';
import { retryMatchingEvents } from '../../../event-log/retry-matching-events.js';
import { parseRequestPart, QUERY_PARAMETERS } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { parseEventFilter } from '../event-filter.js';
import { flashOf } from './flash-of.js';
import { replyHtml } from './reply-html.js';

/** `/admin/events`: the filtered event list, and the confirmation and post of a bulk retry of failed events. */
export function eventsRoutes(
  pages: FastifyInstance,
  options: Pick<DashboardRoutesOptions, 'db' | 'modules'>,
): void {
  const { db } = options;

  pages.get('/admin/events', async (request, reply) => {
    const query = parseRequestPart(QUERY_PARAMETERS, request.query);
    const filter = parseEventFilter(query, options.modules);
    const before = toId(query.before);
    const limit = 50;
    const events = await listEventPage(db, filter, { limit: limit + 1, before });
    const stats = await getEventStats(db, { recent: 0 });
    return replyHtml(
      reply,
      eventsPage({
        filter,
        events: events.slice(0, limit),
        nextCursor: events.length > limit ? events[limit - 1]?.id : undefined,
        modules: Object.keys(stats.by_module),
        live: before === undefined,
        flash: flashOf(request),
      }),
    );
  });

  pages.get('/admin/events/retry', async (request, reply) => {
    const filter = {
      ...parseEventFilter(parseRequestPart(QUERY_PARAMETERS, request.query), options.modules),
      status: 'failed' as const,
    };
    return replyHtml(reply, retryConfirmPage({ filter, count: await countEvents(db, filter) }));
  });

  pages.post('/admin/events/retry', async (request, reply) => {
    const filter = parseEventFilter(parseRequestPart(QUERY_PARAMETERS, request.query), options.modules);
    const count = await retryMatchingEvents(db, filter);
    request.log.info({ count }, 'operator retried failed events');
    return reply.redirect(`/admin/events?status=failed&flash=bulk-retried`, 303);
  });
}

/** The `?before=` cursor of a page: an event's number, or nothing (the first, live page). */
function toId(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n <= MAX_EVENT_ID ? n : undefined;
}
