import type { FastifyInstance } from 'fastify';
import { eventDetailPage } from '../../../dashboard/events-page.js';
import { AppError } from '../../../errors.js';
import { getEventDetail } from '../../../event-log/get-event-detail.js';
import { retryEvent } from '../../../event-log/retry-event.js';
import { ID_PARAMS, parseRequestPart } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { flashOf } from './flash-of.js';
import { replyHtml } from './reply-html.js';

/** `/admin/events/:id`: one event with its attempts, and the retry of that event. */
export function eventDetailRoutes(pages: FastifyInstance, options: Pick<DashboardRoutesOptions, 'db'>): void {
  const { db } = options;

  pages.get('/admin/events/:id', async (request, reply) => {
    const { id } = parseRequestPart(ID_PARAMS, request.params);
    return replyHtml(reply, eventDetailPage(await getEventDetail(db, id), flashOf(request)));
  });

  pages.post('/admin/events/:id/retry', async (request, reply) => {
    const { id } = parseRequestPart(ID_PARAMS, request.params);
    try {
      const event = await retryEvent(db, id);
      request.log.info({ eventId: event.event_id }, 'operator retried an event');
      return reply.redirect(`/admin/events/${encodeURIComponent(event.event_id)}?flash=retried`, 303);
    } catch (error) {
      if (error instanceof AppError && error.code === 'event_not_retryable') {
        return reply.redirect(`/admin/events/${encodeURIComponent(id)}?flash=not-retryable`, 303);
      }
      throw error;
    }
  });
}
