import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { redactUrl } from '../../logger.js';
import type { Metrics } from '../../metrics/create-metrics.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { EventAppender } from '../../webhooks/create-event-appender.js';
import { normalizeDelivery } from '../../webhooks/normalize-delivery.js';
import { parseZohoBody } from '../../webhooks/parse-zoho-body.js';
import { verifySignature, WebhookVerificationError } from '../../webhooks/verify-signature.js';
import { webhookPath } from '../webhook-urls.js';
import { parseRequestPart, QUERY_PARAMETERS } from './admin-api-schemas.js';

export interface WebhookRoutesOptions {
  config: Config;
  appender: EventAppender;
  /** Counts rejected authentication attempts (health shows it). */
  onAuthRejected: () => void;
  metrics: Metrics;
  /** One route per module: `POST /api/v1/events/zoho/<name>`. */
  modules: readonly ZohoModule[];
}

const REDACTED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-zoho-signature',
  'x-webhook-token',
  'x-api-key',
  'x-admin-token',
]);

/** The query string, or an empty one when it is not an object: a delivery is never refused for its query. */
const WEBHOOK_QUERY = QUERY_PARAMETERS.catch({});

/**
 * Zoho webhook intake: verify the raw bytes, parse, normalize, append durably, answer (DESIGN.md §2–§3).
 * Registered as its own plugin so that only these routes get the raw-body parser.
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> {
  const { config, appender } = options;
  const routes = options.modules.map((module) => ({ module, path: webhookPath(module) }));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: config.webhook.bodyLimitBytes },
    (_req, body, done) => {
      done(null, body);
    },
  );

  // One count per delivery, whatever became of it, and the time to answer.
  const counted = new WeakSet<FastifyRequest>();
  app.addHook('onResponse', async (request, reply) => {
    options.metrics.ingestSeconds(reply.elapsedTime / 1000);
    if (counted.has(request)) return;
    const module =
      routes.find((route) => request.url.startsWith(route.path))?.module.zohoApiName ?? 'unknown';
    options.metrics.delivery(module, reply.statusCode >= 500 ? 'error' : 'bad_request', 'unknown');
  });

  for (const { module, path } of routes) {
    // Metrics and logs name the module as its events do, by its Zoho API name.
    const moduleLabel = module.zohoApiName;
    app.post(path, { bodyLimit: config.webhook.bodyLimitBytes }, async (request, reply) => {
      const receivedAt = performance.timeOrigin + performance.now() - reply.elapsedTime;
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const query = parseRequestPart(WEBHOOK_QUERY, request.query);
      let authMethod: string;
      try {
        authMethod = verifySignature({
          rawBody,
          headers: request.headers,
          queryToken: firstString(query.token),
          secrets: config.webhook.secrets,
          tokens: config.webhook.tokens,
          now: Math.floor(Date.now() / 1000),
          toleranceSeconds: config.webhook.timestampToleranceSeconds,
        });
      } catch (error) {
        if (error instanceof WebhookVerificationError) {
          counted.add(request);
          options.metrics.delivery(moduleLabel, 'unauthorized', 'failed');
          return rejectAuth(request, reply, error, options);
        }
        throw error;
      }

      refuseEncodedBody(request.headers['content-encoding']);
      const contentType = request.headers['content-type'];
      const body = parseZohoBody(rawBody, contentType, config.webhook);
      const normalized = normalizeDelivery({
        body,
        limits: config.webhook,
        module,
        queryOperation: singleOperation(query.operation),
        deliveryIdHeader:
          firstString(request.headers['webhook-id']) ?? firstString(request.headers['x-zoho-delivery-id']),
      });

      let result: Awaited<ReturnType<EventAppender['append']>>;
      try {
        result = await appender.append({
          normalized,
          source: 'zoho',
          rawBody: rawBody.toString('utf8'),
          contentType,
          headers: redactHeaders(request.headers),
          request: { method: request.method, url: redactUrl(request.url), authMethod, receivedAt },
        });
      } catch (error) {
        request.log.error({ err: error }, 'could not store the delivery');
        throw new AppError(
          'storage_unavailable',
          'The event could not be stored, so it was not accepted; send it again shortly.',
          { status: 503, cause: error },
        );
      }

      request.log.info(
        {
          eventId: result.eventId,
          recordId: normalized.recordId,
          module: moduleLabel,
          status: result.status,
        },
        'delivery stored',
      );
      counted.add(request);
      options.metrics.delivery(moduleLabel, result.status, authMethod);
      return reply.status(result.reply.statusCode).send(result.reply.body);
    });
  }
}

function rejectAuth(
  request: FastifyRequest,
  reply: FastifyReply,
  error: WebhookVerificationError,
  options: WebhookRoutesOptions,
) {
  options.onAuthRejected();
  request.log.warn({ reason: error.reason }, 'webhook delivery rejected: authentication failed');
  return reply.status(401).send({ error: 'unauthorized', reason: error.reason, message: error.message });
}

function redactHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = REDACTED_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) return firstString(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Zoho sends bodies as they are; a compressed one would only fail later as "not UTF-8", so it is refused here,
 * naming the encoding.
 */
function refuseEncodedBody(encoding: string | undefined): void {
  if (encoding === undefined || /^\s*identity\s*$/i.test(encoding)) return;
  throw new AppError(
    'unsupported_content_encoding',
    `The body is sent with Content-Encoding: ${encoding.slice(0, 40)}, which mzi does not decode; send it uncompressed.`,
    { status: 415 },
  );
}

/** `?operation=` given twice with different values is ambiguous: refused rather than guessing which one counts. */
function singleOperation(value: unknown): string | undefined {
  if (Array.isArray(value) && new Set(value).size > 1) {
    throw new AppError(
      'conflicting_operation',
      'The URL gives ?operation= more than once with different values; give each webhook one fixed ?operation=insert, update or delete.',
      { status: 400 },
    );
  }
  return firstString(value);
}
