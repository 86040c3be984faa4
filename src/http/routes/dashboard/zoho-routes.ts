import type { FastifyInstance } from 'fastify';
import { readZohoStatus } from '../../../admin/read-zoho-status.js';
import { zohoDoctorUse } from '../../../admin/zoho-doctor-use.js';
import { zohoPage } from '../../../dashboard/zoho-page.js';
import { AppError } from '../../../errors.js';
import { removeZohoConnection } from '../../../zoho/remove-zoho-connection.js';
import { ZOHO_DATA_CENTRES, type ZohoDataCentre } from '../../../zoho/zoho-api.js';
import { startZohoConnectAttempt } from '../../../zoho/zoho-connect-attempts.js';
import { zohoAccountsUrl } from '../../../zoho/zoho-credentials-source.js';
import { ZOHO_SCOPE_LIST } from '../../../zoho/zoho-scopes.js';
import { resolveZohoTokenKey } from '../../../zoho/zoho-token-key.js';
import { FORM_BODY, parseRequestPart } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { flashOf } from './flash-of.js';
import { replyHtml } from './reply-html.js';
import { ZOHO_STATE_COOKIE, zohoCallbackPath } from './zoho-callback-routes.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * `/admin/zoho`: the connection in use, the Connect Zoho form that starts Zoho's OAuth redirect flow, and
 * Disconnect. The redirect's return is `zohoCallbackRoutes`, outside the session's routes.
 */
export function zohoRoutes(
  pages: FastifyInstance,
  options: Pick<DashboardRoutesOptions, 'config' | 'db' | 'auth'>,
): void {
  const { config, db } = options;

  pages.get('/admin/zoho', async (request, reply) => {
    const status = await readZohoStatus(config, db);
    // Reads the shared token's row and the usage counts; no call to Zoho.
    const usage =
      status.origin === 'stored' && status.storedProblem ? undefined : await zohoDoctorUse(config, db);
    const apiDomain = (await usage?.status?.().catch(() => undefined))?.apiDomain;
    return replyHtml(
      reply,
      zohoPage({
        ...status,
        apiDomain: apiDomain ?? (status.origin === 'stored' ? status.stored?.apiDomain : undefined),
        creditsLastDay: await usage?.creditsSince?.(new Date(Date.now() - DAY_MS)),
        dailyCreditBudget: config.zoho.dailyCreditBudget,
        redirectUri: config.publicUrl
          ? `${config.publicUrl.replace(/\/+$/, '')}${zohoCallbackPath}`
          : undefined,
        defaultDataCentre: config.zoho.dataCentre,
        flash: flashOf(request),
      }),
    );
  });

  pages.post('/admin/zoho/connect', async (request, reply) => {
    if (!config.publicUrl)
      throw new AppError(
        'zoho.public_url_missing',
        'Connecting on the dashboard needs PUBLIC_URL: Zoho sends the browser back to {PUBLIC_URL}/admin/zoho/callback. Set it and restart mzi, or run `mzi zoho connect` with a Self Client code.',
        { status: 400 },
      );
    const form = readConnectForm(parseRequestPart(FORM_BODY, request.body));
    const sessionHash = await options.auth.sessionHash(request);
    if (sessionHash === undefined)
      throw new AppError(
        'zoho.session_required',
        'Connecting Zoho binds the OAuth redirect to a dashboard session: sign in at /admin/login and use the Zoho page.',
        { status: 400 },
      );
    const key = resolveZohoTokenKey(config, { create: true });
    if (!key) throw new AppError('zoho.no_key', 'No key for the Zoho connection; set ZOHO_TOKEN_KEY.');
    const accountsUrl = zohoAccountsUrl({
      dataCentre: form.dataCentre,
      accountsUrl: config.zoho.accountsUrl,
    });
    const redirectUri = `${config.publicUrl.replace(/\/+$/, '')}${zohoCallbackPath}`;
    const state = await startZohoConnectAttempt(db, key.key, {
      sessionHash,
      clientId: form.clientId,
      clientSecret: form.clientSecret,
      dataCentre: form.dataCentre,
      accountsUrl: accountsUrl as string,
      redirectUri,
    });
    // SameSite=Lax, unlike the session cookie: the browser must send it back on Zoho's cross-site redirect.
    reply.setCookie(ZOHO_STATE_COOKIE, state, {
      path: zohoCallbackPath,
      httpOnly: true,
      sameSite: 'lax',
      secure: config.publicUrl.startsWith('https:'),
      maxAge: 10 * 60,
    });
    const query = new URLSearchParams({
      scope: ZOHO_SCOPE_LIST,
      client_id: form.clientId,
      response_type: 'code',
      access_type: 'offline',
      prompt: 'consent',
      redirect_uri: redirectUri,
      state,
    });
    request.log.info({ zoho: { dataCentre: form.dataCentre } }, 'zoho connect: sending the browser to Zoho');
    return reply.redirect(`${accountsUrl}/oauth/v2/auth?${query}`, 303);
  });

  pages.post('/admin/zoho/disconnect', async (request, reply) => {
    const failure = await removeZohoConnection(config, db, {
      revoke: true,
      noTokenReason: 'no token to revoke',
    });
    request.log.info(
      { zoho: { revoked: failure === undefined } },
      'zoho connection removed on the dashboard',
    );
    return reply.redirect(
      `/admin/zoho?flash=${failure === undefined ? 'zoho-disconnected' : 'zoho-disconnected-unrevoked'}`,
      303,
    );
  });
}

function readConnectForm(body: Record<string, unknown>): {
  clientId: string;
  clientSecret: string;
  dataCentre: ZohoDataCentre;
} {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const clientId = text('client_id');
  const clientSecret = text('client_secret');
  const dataCentre = text('data_centre').toLowerCase();
  const missing = [
    clientId === '' || clientId.length > 200 ? 'client_id' : undefined,
    clientSecret === '' || clientSecret.length > 200 ? 'client_secret' : undefined,
    (ZOHO_DATA_CENTRES as readonly string[]).includes(dataCentre) ? undefined : 'data_centre',
  ].filter((name) => name !== undefined);
  if (missing.length > 0)
    throw new AppError(
      'zoho.connect_form',
      `The Connect Zoho form needs ${missing.join(', ')}: the client id and secret of the API Console's server-based client (up to 200 characters each), and a data centre among ${ZOHO_DATA_CENTRES.join(', ')}.`,
      { status: 400, details: { fields: missing } },
    );
  return { clientId, clientSecret, dataCentre: dataCentre as ZohoDataCentre };
}
