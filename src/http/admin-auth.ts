import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { deleteAdminSession, insertAdminSession, isLiveAdminSession } from '../admin/admin-sessions.js';
import type { Database } from '../db/schema.js';
import { type AuthFailureLimiter, refuseLockedOut } from './auth-failure-limiter.js';

export const SESSION_COOKIE = 'mzi_admin';
const SESSION_SECONDS = 12 * 3600;
/** A session id as the cookie carries it: 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface AdminAuth {
  /** Constant-time check of a presented admin token. */
  checkToken(presented: string): boolean;
  /** Opens a session that ends after 12 hours and sets its HttpOnly, SameSite=Strict cookie. */
  signIn(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Ends the request's session, if any, in every process, and clears its cookie. */
  signOut(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** How the request authenticates: a Bearer token or a session cookie, counting wrong Bearer tokens. */
  authenticate(request: FastifyRequest): Promise<Authentication>;
  /** True for a Bearer token or a live session cookie. */
  isAuthenticated(request: FastifyRequest): Promise<boolean>;
  /**
   * The stored hash of the request's live session, or undefined: binds something (an OAuth `state`) to a
   * session without keeping its id.
   */
  sessionHash(request: FastifyRequest): Promise<string | undefined>;
  /** True while the session of this stored hash lives (not logged out, not expired). */
  isLiveSessionHash(idHash: string): Promise<boolean>;
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
  /** Where sessions are kept, shared by every API process. */
  db: Kysely<Database>;
  /** Shared with the sign-in form and /metrics: wrong tokens anywhere count for the address. */
  limiter: AuthFailureLimiter;
}

/**
 * Admin authentication (issues 5 and 15): the admin token as `Authorization: Bearer …` for the API, or a session
 * cookie for the dashboard. The cookie holds a random session id; the database holds only its HMAC under a key
 * derived from the token, so logging out ends the session in every process, a copy of the table opens nothing,
 * and changing ADMIN_TOKEN ends every session.
 */
export function createAdminAuth(options: AdminAuthOptions): AdminAuth {
  const { token, db, limiter } = options;
  const tokenDigest = sha256(token);
  const sessionKey = createHmac('sha256', token).update('mzi admin session v2').digest();

  const checkToken = (presented: string) => timingSafeEqual(sha256(presented), tokenDigest);
  const hashOf = (sessionId: string) => createHmac('sha256', sessionKey).update(sessionId).digest('hex');
  const sessionIdOf = (request: FastifyRequest) => {
    const value = request.cookies?.[SESSION_COOKIE];
    return value !== undefined && SESSION_ID.test(value) ? value : undefined;
  };

  const authenticate = async (request: FastifyRequest): Promise<Authentication> => {
    const header = request.headers.authorization;
    if (typeof header === 'string' && /^Bearer\s+/i.test(header)) {
      return checkPresented(limiter, request, () => checkToken(header.replace(/^Bearer\s+/i, '').trim()));
    }
    const sessionId = sessionIdOf(request);
    // A cookie is no guess worth counting (32 random bytes), and an expired one must not lock its owner out.
    if (sessionId === undefined || !(await isLiveAdminSession(db, hashOf(sessionId), new Date())))
      return { result: 'missing' };
    return { result: 'ok' };
  };

  return {
    checkToken,
    async signIn(request, reply) {
      const sessionId = randomBytes(32).toString('base64url');
      const now = new Date();
      const expiresAt = new Date(now.getTime() + SESSION_SECONDS * 1000);
      await insertAdminSession(db, { idHash: hashOf(sessionId), now, expiresAt });
      reply.setCookie(SESSION_COOKIE, sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        maxAge: SESSION_SECONDS,
      });
    },
    async signOut(request, reply) {
      const sessionId = sessionIdOf(request);
      if (sessionId !== undefined) await deleteAdminSession(db, hashOf(sessionId));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
    },
    authenticate,
    isAuthenticated: async (request) => (await authenticate(request)).result === 'ok',
    async sessionHash(request) {
      const sessionId = sessionIdOf(request);
      if (sessionId === undefined) return undefined;
      const idHash = hashOf(sessionId);
      return (await isLiveAdminSession(db, idHash, new Date())) ? idHash : undefined;
    },
    isLiveSessionHash: (idHash) => isLiveAdminSession(db, idHash, new Date()),
    async requireApi(request, reply) {
      const auth = await authenticate(request);
      if (auth.result === 'ok') return;
      if (auth.result === 'locked') return refuseLockedOut(reply, auth.retryAfter);
      await reply.status(401).header('www-authenticate', 'Bearer realm="mzi admin"').send({
        error: 'unauthorized',
        message:
          'This admin API needs the admin token (Authorization: Bearer <ADMIN_TOKEN>) or a dashboard session; sign in again at /admin/login if yours ended.',
      });
    },
    async requirePage(request, reply) {
      const auth = await authenticate(request);
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
