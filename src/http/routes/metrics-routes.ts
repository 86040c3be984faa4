import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/create-metrics.js';
import { checkPresented } from '../admin-auth.js';
import { type AuthFailureLimiter, refuseLockedOut } from '../auth-failure-limiter.js';

export interface MetricsRoutesOptions {
  metrics: Metrics;
  /** Accepted Bearer tokens: METRICS_TOKEN, else the admin token. */
  tokens: readonly string[];
  /** Wrong tokens per client address, shared with the admin API and the dashboard. */
  limiter: AuthFailureLimiter;
}

/** `GET /metrics` in Prometheus text format, behind a Bearer token (no personal data in any label). */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  const digests = options.tokens.map((token) => createHash('sha256').update(token).digest());
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const presented = createHash('sha256')
      .update(header.replace(/^Bearer\s+/i, ''))
      .digest();
    const auth = /^Bearer\s+/i.test(header)
      ? checkPresented(options.limiter, request, () => digests.some((d) => timingSafeEqual(d, presented)))
      : { result: 'missing' as const };
    if (auth.result === 'locked') return refuseLockedOut(reply, auth.retryAfter);
    if (auth.result !== 'ok') {
      return reply.status(401).header('www-authenticate', 'Bearer realm="mzi metrics"').send({
        error: 'unauthorized',
        message:
          'Metrics need Authorization: Bearer <METRICS_TOKEN> (or the admin token when METRICS_TOKEN is unset).',
      });
    }
    return reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
}
