import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { zohoCallbackPage } from '../../../dashboard/zoho-page.js';
import { AppError } from '../../../errors.js';
import { connectWithGrantCode } from '../../../zoho/connect-with-grant-code.js';
import { ZOHO_ACCOUNTS_URLS, ZOHO_DATA_CENTRES, type ZohoDataCentre } from '../../../zoho/zoho-api.js';
import { takeZohoConnectAttempt } from '../../../zoho/zoho-connect-attempts.js';
import { resolveZohoTokenKey } from '../../../zoho/zoho-token-key.js';
import { parseRequestPart, QUERY_PARAMETERS } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { replyHtml } from './reply-html.js';

export const zohoCallbackPath = '/admin/zoho/callback';
/** Carries the `state` of the redirect in flight back to the callback, tying it to this browser. */
export const ZOHO_STATE_COOKIE = 'mzi_zoho_state';

/**
 * `GET /admin/zoho/callback`: where Zoho sends the browser back with `code`, `state`, `location` and
 * `accounts-server` (https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html). It sits outside the session's
 * routes because the session cookie is SameSite=Strict and browsers do not send it on a redirect from another
 * site; the `state` authorizes it instead: it must match the Lax cookie set when the redirect started, name an
 * unexpired attempt (used once), and that attempt's dashboard session must still be live. The answer is a page,
 * not a redirect to a signed-in page, for the same reason.
 */
export function zohoCallbackRoutes(
  app: FastifyInstance,
  options: Pick<DashboardRoutesOptions, 'config' | 'db' | 'auth' | 'modules'>,
): void {
  const { config, db } = options;

  app.get(zohoCallbackPath, async (request, reply) => {
    const query = parseRequestPart(QUERY_PARAMETERS, request.query);
    const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    reply.clearCookie(ZOHO_STATE_COOKIE, { path: zohoCallbackPath });
    const state = text('state');
    const cookie = request.cookies?.[ZOHO_STATE_COOKIE];
    if (state === undefined || cookie === undefined || !sameText(state, cookie))
      return refuse(reply, 400, [
        'This answer from Zoho does not belong to a connection started in this browser (its state does not match).',
        'Start again from the Zoho page of the dashboard, in the same browser, and finish within 10 minutes.',
      ]);
    const zohoError = text('error');
    const key = resolveZohoTokenKey(config, { create: false });
    const attempt = key ? await takeZohoConnectAttempt(db, key.key, state) : undefined;
    if (!attempt)
      return refuse(reply, 400, [
        'This connection attempt is unknown, was already used, or is older than 10 minutes.',
        'Start again from the Zoho page of the dashboard.',
      ]);
    if (!(await options.auth.isLiveSessionHash(attempt.sessionHash)))
      return refuse(reply, 400, [
        'The dashboard session that started this connection has ended.',
        'Sign in again and start again from the Zoho page.',
      ]);
    if (zohoError !== undefined)
      return refuse(reply, 400, [
        `Zoho did not grant access (${zohoError.slice(0, 60)}).`,
        'Start again from the Zoho page and accept the consent screen.',
      ]);
    const code = text('code');
    if (code === undefined || code === '')
      return refuse(reply, 400, ['Zoho sent no code.', 'Start again from the Zoho page.']);
    const accountsUrl = accountsServerOf(text('accounts-server'), attempt.accountsUrl);
    if (accountsUrl === undefined)
      return refuse(reply, 400, [
        "Zoho's answer names an accounts server that is not Zoho's.",
        'Start again from the Zoho page.',
      ]);
    try {
      const result = await connectWithGrantCode({
        db,
        key: (key as NonNullable<typeof key>).key,
        clientId: attempt.clientId,
        clientSecret: attempt.clientSecret,
        code,
        dataCentre: dataCentreOf(text('location'), accountsUrl) ?? attempt.dataCentre,
        accountsUrl,
        redirectUri: attempt.redirectUri,
        via: 'dashboard',
        testModule: options.modules[0]?.zohoApiName ?? '',
        timeoutMs: config.zoho.timeoutMs,
      });
      request.log.info(
        { zoho: { dataCentre: result.info.dataCentre, apiDomain: result.info.apiDomain } },
        'zoho connected on the dashboard',
      );
      return replyHtml(
        reply,
        zohoCallbackPage({
          ok: true,
          title: 'Zoho connected',
          lines: [
            'Zoho CRM is connected.',
            `Data centre ${result.info.dataCentre ?? 'unset'}, API domain ${result.info.apiDomain}.`,
            `Scopes granted: ${result.info.scopes.length > 0 ? result.info.scopes.join(', ') : 'Zoho did not say'}.`,
            ...(result.missingScopes.length > 0
              ? [`Missing scopes: ${result.missingScopes.join(', ')}.`]
              : []),
            ...(result.check.ok ? [] : [`Warning: ${result.check.message}.`]),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      request.log.warn({ zoho: { code: error.code } }, 'zoho connect on the dashboard failed');
      return refuse(reply, error.status < 500 ? error.status : 502, [error.message]);
    }
  });
}

function refuse(reply: FastifyReply, status: number, lines: string[]) {
  reply.status(status);
  return replyHtml(reply, zohoCallbackPage({ ok: false, title: 'Zoho not connected', lines }));
}

/**
 * The accounts server to exchange the code at: Zoho's `accounts-server` parameter when it is one of Zoho's own
 * accounts servers (or the one the attempt used), never another address, which would receive the client secret.
 */
function accountsServerOf(given: string | undefined, attemptUrl: string): string | undefined {
  if (given === undefined || given === '') return attemptUrl;
  const url = given.replace(/\/+$/, '');
  return url === attemptUrl || Object.values(ZOHO_ACCOUNTS_URLS).includes(url) ? url : undefined;
}

/** Zoho's `location` (us, eu, …), or the data centre of the accounts server. */
function dataCentreOf(location: string | undefined, accountsUrl: string): ZohoDataCentre | undefined {
  const named = location?.toLowerCase();
  if ((ZOHO_DATA_CENTRES as readonly string[]).includes(named ?? '')) return named as ZohoDataCentre;
  return ZOHO_DATA_CENTRES.find((dc) => ZOHO_ACCOUNTS_URLS[dc] === accountsUrl);
}

function sameText(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
