import type { FastifyInstance } from 'fastify';
import { loginPage } from '../../../dashboard/login-page.js';
import { checkPresented } from '../../admin-auth.js';
import { refuseLockedOut } from '../../auth-failure-limiter.js';
import { FORM_BODY, parseRequestPart, QUERY_PARAMETERS } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { flashOf } from './flash-of.js';
import { replyHtml } from './reply-html.js';
import { safeNext } from './safe-next.js';

/** `/admin/login` (the form and its post) and `/admin/logout`: the pages that need no session. */
export function signInRoutes(
  app: FastifyInstance,
  options: Pick<DashboardRoutesOptions, 'auth' | 'limiter'>,
): void {
  const { auth } = options;

  app.get('/admin/login', async (request, reply) => {
    const next = safeNext(parseRequestPart(QUERY_PARAMETERS, request.query).next);
    if (await auth.isAuthenticated(request)) return reply.redirect(next, 303);
    return replyHtml(reply, loginPage({ next, flash: flashOf(request) }));
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
}
