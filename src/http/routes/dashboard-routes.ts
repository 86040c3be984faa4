import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DoctorCheck } from '../../admin/run-doctor.js';
import type { Config } from '../../config.js';
import { DASHBOARD_CSS, DASHBOARD_JS } from '../../dashboard/assets.js';
import { eventDetailPage, eventsPage, retryConfirmPage } from '../../dashboard/events-page.js';
import type { Flash } from '../../dashboard/layout.js';
import { loginPage } from '../../dashboard/login-page.js';
import { overviewPage } from '../../dashboard/overview-page.js';
import { setupPage } from '../../dashboard/setup-page.js';
import { studentDetailPage, studentsPage } from '../../dashboard/students-page.js';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { countEvents } from '../../event-log/count-events.js';
import { deliveriesPerMinute } from '../../event-log/deliveries-per-minute.js';
import { MAX_EVENT_ID } from '../../event-log/find-event.js';
import { getEventDetail } from '../../event-log/get-event-detail.js';
import { getEventStats } from '../../event-log/get-event-stats.js';
import { getQueueState } from '../../event-log/get-queue-state.js';
import { listEventPage } from '../../event-log/list-event-page.js';
import { retryEvent } from '../../event-log/retry-event.js';
import { retryMatchingEvents } from '../../event-log/retry-matching-events.js';
import { findModule, students } from '../../modules/index.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import { buildDelivery } from '../../webhooks/build-delivery.js';
import { buildWebhookSetup } from '../../webhooks/zoho-webhook-setup.js';
import { type AdminAuth, checkPresented } from '../admin-auth.js';
import { type AuthFailureLimiter, refuseLockedOut } from '../auth-failure-limiter.js';
import { checkOrigin } from '../check-origin.js';
import { refuseNulCharacters } from '../refuse-nul-characters.js';
import { webhookPath } from '../webhook-urls.js';
import { FORM_BODY, ID_PARAMS, parseRequestPart, QUERY_PARAMETERS } from './admin-api-schemas.js';
import { parseEventFilter } from './event-filter.js';

export interface DashboardRoutesOptions {
  config: Config;
  db: Kysely<Database>;
  auth: AdminAuth;
  /** Wrong tokens per client address, shared with the admin API and /metrics. */
  limiter: AuthFailureLimiter;
  /** Worker, Moodle, authentication and database state, as health reports it. */
  describe: () => Record<string, unknown>;
  /** The configuration check of the Setup page (`mzi doctor`, using the running service's connections). */
  doctor: () => Promise<DoctorCheck[]>;
  /** The modules whose setup and test delivery the Setup page shows. */
  modules: readonly ZohoModule[];
}

/** Messages shown after an action; only these texts are ever displayed (nothing from the query is echoed). */
const FLASHES: Record<string, Flash> = {
  retried: { kind: 'info', text: 'The event was queued for another attempt.' },
  'bulk-retried': { kind: 'info', text: 'The failed events were queued for another attempt.' },
  'test-sent': { kind: 'info', text: 'Test delivery sent. This is the event it made.' },
  'login-failed': { kind: 'error', text: 'That is not the admin token.' },
  'logged-out': { kind: 'info', text: 'You are signed out.' },
  'not-retryable': { kind: 'error', text: 'This event cannot be retried.' },
};

const flashOf = (request: FastifyRequest): Flash | undefined =>
  FLASHES[String(parseRequestPart(QUERY_PARAMETERS, request.query).flash ?? '')];

/** The operator dashboard under /admin (issue 5): server-rendered pages, a little script, no external assets. */
export async function dashboardRoutes(app: FastifyInstance, options: DashboardRoutesOptions): Promise<void> {
  const { db, auth, config } = options;
  await app.register(formbody);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Forms must carry their real Origin for checkOrigin; under helmet's default no-referrer, browsers send "null".
    referrerPolicy: { policy: 'same-origin' },
  });

  const html = (reply: FastifyReply, page: string) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);

  // Before authentication, so that a foreign or malformed Origin is refused the same way signed in or not.
  app.addHook('onRequest', async (request) => checkOrigin(request));

  app.get('/admin/assets/app.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(DASHBOARD_CSS),
  );
  app.get('/admin/assets/app.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(DASHBOARD_JS),
  );

  app.get('/admin/login', async (request, reply) => {
    const next = safeNext(parseRequestPart(QUERY_PARAMETERS, request.query).next);
    if (await auth.isAuthenticated(request)) return reply.redirect(next, 303);
    return html(reply, loginPage({ next, flash: flashOf(request) }));
  });

  app.post('/admin/login', async (request, reply) => {
    const body = parseRequestPart(FORM_BODY, request.body);
    const next = safeNext(body.next);
    const token = typeof body.token === 'string' ? body.token : '';
    const signIn = checkPresented(options.limiter, request, () => auth.checkToken(token));
    if (signIn.result === 'locked') return refuseLockedOut(reply, signIn.retryAfter);
    if (signIn.result !== 'ok') {
      request.log.warn('admin sign-in refused: wrong token');
      return reply.redirect(`/admin/login?flash=login-failed&next=${encodeURIComponent(next)}`, 303);
    }
    await auth.signIn(request, reply);
    return reply.redirect(next, 303);
  });

  app.post('/admin/logout', async (request, reply) => {
    await auth.signOut(request, reply);
    return reply.redirect('/admin/login?flash=logged-out', 303);
  });

  // Everything below needs a session.
  await app.register(async (pages) => {
    pages.addHook('preHandler', auth.requirePage);
    pages.addHook('preHandler', refuseNulCharacters);

    pages.get('/admin', async (request, reply) => {
      const now = new Date();
      const hours = 3;
      const described = options.describe();
      const [stats, queue, perMinute] = await Promise.all([
        getEventStats(db, { recent: 0 }),
        getQueueState(db),
        deliveriesPerMinute(db, new Date(now.getTime() - hours * 3_600_000).toISOString()),
      ]);
      const base = config.publicUrl ?? `${request.protocol}://${request.host}`;
      return html(
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
          webhookUrls: options.modules.map(
            (module) => `${base}${webhookPath(module)}?operation=insert|update|delete`,
          ),
          database: String((described.database as { description?: string } | undefined)?.description ?? ''),
        }),
      );
    });

    pages.get('/admin/events', async (request, reply) => {
      const query = parseRequestPart(QUERY_PARAMETERS, request.query);
      const filter = parseEventFilter(query, options.modules);
      const before = toId(query.before);
      const limit = 50;
      const events = await listEventPage(db, filter, { limit: limit + 1, before });
      const stats = await getEventStats(db, { recent: 0 });
      return html(
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
      return html(reply, retryConfirmPage({ filter, count: await countEvents(db, filter) }));
    });

    pages.post('/admin/events/retry', async (request, reply) => {
      const filter = parseEventFilter(parseRequestPart(QUERY_PARAMETERS, request.query), options.modules);
      const count = await retryMatchingEvents(db, filter);
      request.log.info({ count }, 'operator retried failed events');
      return reply.redirect(`/admin/events?status=failed&flash=bulk-retried`, 303);
    });

    pages.get('/admin/events/:id', async (request, reply) => {
      const { id } = parseRequestPart(ID_PARAMS, request.params);
      return html(reply, eventDetailPage(await getEventDetail(db, id), flashOf(request)));
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

    pages.get('/admin/students', async (request, reply) => {
      const q = String(parseRequestPart(QUERY_PARAMETERS, request.query).q ?? '').slice(0, 200);
      return html(reply, studentsPage({ q, students: await students.records.search(db, { q, limit: 100 }) }));
    });

    pages.get('/admin/students/:id', async (request, reply) => {
      const { id } = parseRequestPart(ID_PARAMS, request.params);
      const [student] = await students.records.find(db, id);
      if (!student)
        throw new AppError('student_not_found', `No student matches "${id.slice(0, 80)}".`, { status: 404 });
      const events = await listEventPage(db, { recordId: student.zoho_record_id }, { limit: 100 });
      const lastWithMoodle = await db
        .selectFrom('integration_events_log')
        .select('result')
        .where('record_id', '=', student.zoho_record_id)
        .where('status', '=', 'completed')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const moodle = lastWithMoodle?.result
        ? (JSON.parse(lastWithMoodle.result) as { moodle?: Record<string, unknown> }).moodle
        : undefined;
      return html(reply, studentDetailPage({ student, events, moodle }));
    });

    pages.get('/admin/setup', async (request, reply) => {
      const base = config.publicUrl ?? `${request.protocol}://${request.host}`;
      const token = config.webhook.tokens[0];
      const described = options.describe();
      return html(
        reply,
        setupPage({
          modules: options.modules.map((module) => ({
            module,
            setups: buildWebhookSetup({
              module,
              baseUrl: base,
              path: webhookPath(module),
              authHeader: token ? { name: 'X-Webhook-Token', value: token } : undefined,
            }),
          })),
          authMode: String((described.webhook_auth as { mode?: string } | undefined)?.mode ?? 'disabled'),
          checks: await options.doctor(),
          flash: flashOf(request),
        }),
      );
    });

    pages.post('/admin/setup/test-delivery', async (request, reply) => {
      const body = parseRequestPart(FORM_BODY, request.body);
      // A form without a module (posted by hand or from an older page) is the first module's.
      const module =
        typeof body.module === 'string' ? findModule(body.module, options.modules) : options.modules[0];
      if (!module)
        throw new AppError('unknown_module', 'The test delivery names no module mzi serves.', {
          status: 400,
        });
      const fields: Record<string, string> = {};
      for (const { apiName: name } of module.testDelivery.fields) {
        const value = body[name];
        if (typeof value === 'string' && value.trim() !== '') fields[name] = value.trim().slice(0, 500);
      }
      const operation = ['insert', 'update', 'delete'].includes(String(body.operation))
        ? String(body.operation)
        : 'insert';
      const recordId =
        typeof body.record_id === 'string' && /^\d{1,30}$/.test(body.record_id.trim())
          ? body.record_id.trim()
          : undefined;
      const delivery = buildDelivery({
        module,
        path: webhookPath(module),
        operation,
        fields,
        recordId,
        format: 'form',
        secret: config.webhook.secrets[0],
        token: config.webhook.tokens[0],
      });
      const response = await app.inject({
        method: 'POST',
        url: delivery.pathWithQuery,
        headers: { ...delivery.headers, 'user-agent': 'mzi dashboard test delivery' },
        payload: delivery.body,
      });
      const answer = response.json() as { event_id?: string; message?: string };
      if (!answer.event_id) {
        throw new AppError(
          'test_delivery_refused',
          `The test delivery was refused (HTTP ${response.statusCode}): ${answer.message ?? ''}`,
          {
            status: 400,
          },
        );
      }
      return reply.redirect(`/admin/events/${encodeURIComponent(answer.event_id)}?flash=test-sent`, 303);
    });
  });
}

/** Only local paths under /admin are followed after sign-in (no open redirect). */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/admin(\/[^\s]*)?$/.test(value) && !value.startsWith('//')
    ? value
    : '/admin';
}

function toId(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n <= MAX_EVENT_ID ? n : undefined;
}
