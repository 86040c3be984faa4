import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthFailureLimiter, refuseLockedOut } from './auth-failure-limiter.js';

export const SESSION_COOKIE = 'mzi_admin';
const SESSION_SECONDS = 12 * 3600;

export interface AdminAuth {
  /** Constant-time check of a presented admin token. */
  checkToken(presented: string): boolean;
  /** A new signed session value (HttpOnly cookie) that ends after 12 hours. */
  newSession(now?: number): string;
  /** How the request authenticates: a Bearer token or a session cookie, counting wrong Bearer tokens. */
  authenticate(request: FastifyRequest): Authentication;
  /** True for a Bearer token or a valid session cookie. */
  isAuthenticated(request: FastifyRequest): boolean;
  /** preHandler for the JSON admin API: 401 JSON without credentials, 429 after too many wrong ones. */
  requireApi(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** preHandler for dashboard pages: to the sign-in page without a session, 429 after too many wrong tokens. */
  requirePage(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/** `locked`: this address presented too many wrong tokens; `retryAfter` seconds remain. */
export type Authentication =
  | { result: 'ok' }
  | { result: 'missing' }
  | { result: 'wrong' }
  | { result: 'locked'; retryAfter: number };

export interface AdminAuthOptions {
  token: string;
  /** Shared with the sign-in form and /metrics: wrong tokens anywhere count for the address. */
  limiter: AuthFailureLimiter;
}

/**
 * Admin authentication (issue 5): the admin token as `Authorization: Bearer …` for the API, or a signed session
 * cookie for the dashboard. Sessions are stateless (any API process can check them) and signed with a key
 * derived from the token, so changing ADMIN_TOKEN ends every session.
 */
export function createAdminAuth(options: AdminAuthOptions): AdminAuth {
  const { token, limiter } = options;
  const tokenDigest = sha256(token);
  const sessionKey = createHmac('sha256', token).update('mzi admin session v1').digest();

  const checkToken = (presented: string) => timingSafeEqual(sha256(presented), tokenDigest);
  const signature = (payload: string) => createHmac('sha256', sessionKey).update(payload).digest('base64url');

  const validSession = (value: string | undefined, now: number) => {
    if (!value) return false;
    const parts = value.split('.');
    if (parts.length !== 3) return false;
    const [expires, nonce, mac] = parts as [string, string, string];
    const expected = Buffer.from(signature(`${expires}.${nonce}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    return Number(expires) > now / 1000;
  };

  const authenticate = (request: FastifyRequest): Authentication => {
    const header = request.headers.authorization;
    if (typeof header === 'string' && /^Bearer\s+/i.test(header)) {
      return checkPresented(limiter, request, () => checkToken(header.replace(/^Bearer\s+/i, '').trim()));
    }
    return validSession(request.cookies?.[SESSION_COOKIE], Date.now())
      ? { result: 'ok' }
      : { result: 'missing' };
  };

  return {
    checkToken,
    newSession(now = Date.now()) {
      const payload = `${Math.floor(now / 1000) + SESSION_SECONDS}.${randomBytes(12).toString('base64url')}`;
      return `${payload}.${signature(payload)}`;
    },
    authenticate,
    isAuthenticated: (request) => authenticate(request).result === 'ok',
    async requireApi(request, reply) {
      const auth = authenticate(request);
      if (auth.result === 'ok') return;
      if (auth.result === 'locked') return refuseLockedOut(reply, auth.retryAfter);
      await reply.status(401).header('www-authenticate', 'Bearer realm="mzi admin"').send({
        error: 'unauthorized',
        message: 'This admin API needs the admin token: send Authorization: Bearer <ADMIN_TOKEN>.',
      });
    },
    async requirePage(request, reply) {
      const auth = authenticate(request);
      if (auth.result === 'ok') return;
      if (auth.result === 'locked') return refuseLockedOut(reply, auth.retryAfter);
      const next = request.url.startsWith('/admin') ? request.url : '/admin';
      await reply.redirect(`/admin/login?next=${encodeURIComponent(next)}`, 303);
    },
  };
}

/**
 * Checks a token the client presented, unless its address is locked out: then even the right token is refused
 * until the window ends, so that a guess that happens to be right cannot be told from a wrong one.
 */
export function checkPresented(
  limiter: AuthFailureLimiter,
  request: FastifyRequest,
  check: () => boolean,
): Authentication {
  const retryAfter = limiter.retryAfter(request.ip);
  if (retryAfter > 0) return { result: 'locked', retryAfter };
  if (check()) return { result: 'ok' };
  if (limiter.recordFailure(request.ip)) {
    request.log.warn(
      'too many wrong admin tokens from one address: its tokens are refused until its window ends',
    );
  }
  return { result: 'wrong' };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
