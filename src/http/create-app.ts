import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { DoctorCheck } from '../admin/run-doctor.js';
import type { Config, TrustProxy } from '../config.js';
import type { DatabaseHandle } from '../db/create-database.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics/create-metrics.js';
import { fromZoho } from '../modules/index.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import type { ZohoSyncStatus } from '../sync/read-sync-status.js';
import { VERSION } from '../version.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';
import { createAdminAuth } from './admin-auth.js';
import { createAuthFailureLimiter } from './auth-failure-limiter.js';
import { createClientErrorHandler } from './client-error-handler.js';
import { errorHandler } from './error-handler.js';
import { requestId } from './request-id.js';
import { adminApiRoutes } from './routes/admin-api-routes.js';
import { dashboardRoutes } from './routes/dashboard-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import type { ServiceStatus } from './service-status.js';
import { webhookPath } from './webhook-urls.js';

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  appender: EventAppender;
  logger: Logger;
  /** Live state for health: worker, Moodle, authentication mode. */
  readStatus: () => ServiceStatus;
  onAuthRejected: () => void;
  /** The admin token that opens the dashboard and the admin API. */
  adminToken: string;
  /** The Setup page's configuration check. */
  doctor: () => Promise<DoctorCheck[]>;
  metrics: Metrics;
  /** The Zoho modules served: one webhook route each. */
  modules: readonly ZohoModule[];
  /** The Zoho sync's state, for health and the dashboard's overview. */
  readZohoSync?: () => Promise<ZohoSyncStatus>;
}

/**
 * Wrong admin or metrics tokens an address may present per window, on any admin surface. Counted per process:
 * with several API processes an address gets this many guesses from each (README, SECURITY.md).
 */
const ADMIN_AUTH_FAILURES = { maxFailures: 10, windowMs: 60_000 };

/** Builds the HTTP app; the only place that knows Fastify. */
export function createApp(options: AppOptions): FastifyInstance {
  const { config } = options;
  const headersTimeout = config.http.headersTimeoutSeconds * 1000;
  const requestTimeout = config.http.requestTimeoutSeconds * 1000;
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only bridges the two type declarations.
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: config.webhook.bodyLimitBytes,
    // Fastify waits for a body forever by default: a client that stalls would hold its connection (and its share
    // of the server) before any authentication. Node answers 408 through clientErrorHandler.
    requestTimeout,
    http: {
      headersTimeout,
      requestTimeout,
      // Node looks for expired requests every 30 s by default, far past short limits.
      connectionsCheckingInterval: 1000,
      // Node would refuse an HTTP/1.1 request without Host with an empty 400; requireHost answers it in JSON.
      requireHostHeader: false,
    },
    clientErrorHandler: createClientErrorHandler({
      logger: options.logger,
      headersTimeoutSeconds: config.http.headersTimeoutSeconds,
      requestTimeoutSeconds: config.http.requestTimeoutSeconds,
    }),
    // Fastify would take X-Request-Id as it comes; requestId accepts only a short, plain one.
    requestIdHeader: false,
    genReqId: requestId,
    // Behind a trusted proxy, request.protocol/host/ip (Secure cookie, origin check, rate-limit key) come from
    // X-Forwarded-Proto/-Host/-For; off by default, since anyone can send those headers.
    trustProxy: fastifyTrustProxy(config.http.trustProxy),
    // Requests that still arrive while closing get mzi's 503 (below), not Fastify's, which has no Retry-After.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true },
    // One access line per request (below) instead of Fastify's two; a webhook also logs its stored event.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addHook('onResponse', async (request, reply) => {
    const line = {
      req: request,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else if (reply.statusCode >= 400) request.log.info(line, 'request refused');
    else request.log.debug(line, 'request completed');
  });
  app.setErrorHandler(errorHandler);
  refuseWhileClosing(app);
  requireHost(app);
  app.setNotFoundHandler((request, reply) => {
    const base = `${request.protocol}://${request.host}`;
    void reply.status(404).send({
      error: 'not_found',
      message: `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}. Zoho webhooks must be sent with POST to one of the webhook URLs below.`,
      webhook_urls: fromZoho(options.modules).map((module) => `${base}${webhookPath(module)}`),
      other_urls: [`${base}/api/v1/events/health`, `${base}/api/v1/events/stats`],
    });
  });
  const limiter = createAuthFailureLimiter(ADMIN_AUTH_FAILURES);
  const auth = createAdminAuth({ token: options.adminToken, db: options.database.db, limiter });
  app.register(cookie);
  app.register(swagger, {
    openapi: {
      info: {
        title: 'mzi',
        version: VERSION,
        description:
          'Zoho CRM → Moodle bridge. The webhook and health/stats endpoints are the original contract; the admin API needs the admin token as a Bearer token.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null }, staticCSP: true });
  app.register(webhookRoutes, {
    config,
    appender: options.appender,
    onAuthRejected: options.onAuthRejected,
    metrics: options.metrics,
    modules: options.modules,
  });
  app.register(metricsRoutes, {
    metrics: options.metrics,
    tokens: [config.metricsToken ?? options.adminToken],
    limiter,
  });
  app.register(eventRoutes, {
    db: options.database.db,
    readStatus: options.readStatus,
    appendState: () => options.appender.state(),
    probeAppend: () => options.appender.probe(),
    isAdmin: (request) => auth.isAuthenticated(request),
    ...(options.readZohoSync ? { readZohoSync: options.readZohoSync } : {}),
  });
  app.register(adminApiRoutes, { db: options.database.db, auth, modules: options.modules });
  app.register(dashboardRoutes, {
    config,
    db: options.database.db,
    auth,
    limiter,
    readStatus: options.readStatus,
    doctor: options.doctor,
    modules: options.modules,
    ...(options.readZohoSync ? { readZohoSync: options.readZohoSync } : {}),
  });
  return app;
}

/**
 * While the server closes, a request that still arrives (on a keep-alive connection that was busy) is refused with
 * the documented 503 body and Retry-After, as when the event log cannot be written: the sender tries again, and
 * Fastify closes the connection after the answer.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing)
      throw new AppError(
        'storage_unavailable',
        'mzi is shutting down and takes no new deliveries; send it again shortly.',
        { status: 503 },
      );
  });
}

/**
 * TRUST_PROXY in Fastify's terms. Fastify refuses a bare hop count (it cannot tell the proxy from a client that
 * connects directly), so a count becomes the function Express uses; the README says when a count is safe.
 */
function fastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  if (typeof trust === 'boolean') return trust;
  return [...trust];
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2); without one, a JSON 400 says so, as every refusal does. */
function requireHost(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && !request.headers.host)
      throw new AppError('missing_host', 'HTTP/1.1 requests need a Host header naming this server.', {
        status: 400,
      });
  });
}
