import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { redactUrl } from '../../logger.js';
import type { Metrics } from '../../metrics/create-metrics.js';
import { fromZoho } from '../../modules/index.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { EventAppender, IncomingDelivery } from '../../webhooks/create-event-appender.js';
import { envelopeDeliveries } from '../../webhooks/envelope-deliveries.js';
import { envelopeReply } from '../../webhooks/envelope-reply.js';
import { type NormalizeInput, normalizeDelivery } from '../../webhooks/normalize-delivery.js';
import { isEnvelope, normalizeEnvelope } from '../../webhooks/normalize-envelope.js';
import { type ParsedBody, parseZohoBody } from '../../webhooks/parse-zoho-body.js';
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
  const { config } = options;
  const routes = fromZoho(options.modules).map((module) => ({ module, path: webhookPath(module) }));
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
    const route: WebhookRoute = { options, module, counted };
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
      const intake = {
        queryOperation: singleOperation(query.operation),
        deliveryIdHeader:
          firstString(request.headers['webhook-id']) ?? firstString(request.headers['x-zoho-delivery-id']),
      };
      const received = {
        source: 'zoho',
        contentType,
        headers: redactHeaders(request.headers),
        request: { method: request.method, url: redactUrl(request.url), authMethod, receivedAt },
      };
      const taken = { request, reply, body, rawText: rawBody.toString('utf8'), intake, received };
      return isEnvelope(body) ? takeEnvelope(route, taken) : takeDelivery(route, taken);
    });
  }
}

/** What a webhook route needs besides the request: its module, and where it counts deliveries. */
interface WebhookRoute {
  options: WebhookRoutesOptions;
  module: ZohoModule;
  /** Requests already counted in the delivery metrics. */
  counted: WeakSet<FastifyRequest>;
}

/** An authenticated, parsed request, ready to be normalized and stored. */
interface TakenRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  body: ParsedBody;
  rawText: string;
  intake: Pick<NormalizeInput, 'queryOperation' | 'deliveryIdHeader'>;
  received: Omit<IncomingDelivery, 'normalized' | 'rawBody'>;
}

/** One record: stored as one event, answered with its event id and status. */
async function takeDelivery(route: WebhookRoute, taken: TakenRequest) {
  const { options, module } = route;
  const { request, reply } = taken;
  const normalized = normalizeDelivery({
    body: taken.body,
    limits: options.config.webhook,
    module,
    ...taken.intake,
  });
  const result = await stored(request, () =>
    options.appender.append({ ...taken.received, normalized, rawBody: taken.rawText }),
  );
  request.log.info(
    {
      eventId: result.eventId,
      recordId: normalized.recordId,
      module: module.zohoApiName,
      status: result.status,
    },
    'delivery stored',
  );
  route.counted.add(request);
  options.metrics.delivery(
    module.zohoApiName,
    result.status,
    taken.received.request?.authMethod ?? 'unknown',
  );
  return reply.status(result.reply.statusCode).send(result.reply.body);
}

/**
 * Zoho's `{"data": […]}` envelope (issue 18): each readable record stored as its own event, all in one
 * transaction, and answered with one result per record; the metrics count each record as a delivery.
 */
async function takeEnvelope(route: WebhookRoute, taken: TakenRequest) {
  const { options, module } = route;
  const { request, reply, body } = taken;
  const envelope = normalizeEnvelope({ body, limits: options.config.webhook, module, ...taken.intake });
  const deliveries = envelopeDeliveries({ envelope, body, rawText: taken.rawText, received: taken.received });
  const results = await stored(request, () => options.appender.appendAll(deliveries));
  const answer = envelopeReply(envelope, results);
  request.log.info(
    {
      deliveryId: envelope.id,
      module: module.zohoApiName,
      records: envelope.records.length,
      stored: results.length,
      statusCode: answer.statusCode,
    },
    'envelope stored',
  );
  route.counted.add(request);
  const auth = taken.received.request?.authMethod ?? 'unknown';
  for (const result of results) options.metrics.delivery(module.zohoApiName, result.status, auth);
  for (let i = results.length; i < envelope.records.length; i += 1)
    options.metrics.delivery(module.zohoApiName, 'bad_request', auth);
  return reply.status(answer.statusCode).send(answer.body);
}

/** Runs an append; a log that cannot be written answers 503, so that the sender sends again. */
async function stored<T>(request: FastifyRequest, append: () => Promise<T>): Promise<T> {
  try {
    return await append();
  } catch (error) {
    request.log.error({ err: error }, 'could not store the delivery');
    throw new AppError(
      'storage_unavailable',
      'The event could not be stored, so it was not accepted; send it again shortly.',
      { status: 503, cause: error },
    );
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
