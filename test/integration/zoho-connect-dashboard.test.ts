import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeZoho, startFakeZoho } from '../helpers/fake-zoho.js';
import { type MziServer, startMziServer } from '../helpers/mzi-process.js';
import { storedZohoConnectionRows } from '../helpers/stored-zoho-connection.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { TEST_ADMIN_TOKEN } from '../helpers/test-service.js';

const PUBLIC_URL = 'https://mzi.school.example';

let testDb: TestDatabase;
let zoho: FakeZoho;
let server: MziServer | undefined;
beforeEach(async () => {
  testDb = await createTestDatabase();
  zoho = await startFakeZoho();
  zoho.state.seed('BTEC_Students', 1);
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await zoho.close();
  await testDb.drop();
});

async function start(extra: Record<string, string> = {}): Promise<MziServer> {
  server = await startMziServer({
    DATABASE_URL: testDb.url,
    DATA_DIR: testDb.dir,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    PUBLIC_URL,
    ZOHO_ACCOUNTS_URL: zoho.accountsUrl,
    ...extra,
  });
  return server;
}

/** `name=value` of each cookie the answer sets. */
function cookiesOf(response: Response): Record<string, string> {
  return Object.fromEntries(
    response.headers.getSetCookie().map((line) => {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

async function signIn(s: MziServer): Promise<string> {
  const response = await fetch(`${s.baseUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: TEST_ADMIN_TOKEN, next: '/admin/zoho' }),
  });
  return `mzi_admin=${cookiesOf(response).mzi_admin}`;
}

/**
 * What a browser does from the Connect Zoho button to Zoho's redirect back: posts the form, follows mzi to Zoho's
 * consent page (the fake grants at once) and returns the callback URL Zoho sends the browser to, on this server.
 */
async function startConnect(s: MziServer, session: string) {
  const posted = await fetch(`${s.baseUrl}/admin/zoho/connect`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: session,
      origin: s.baseUrl,
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({
      client_id: zoho.state.clientId,
      client_secret: zoho.state.clientSecret,
      data_centre: 'eu',
    }),
  });
  expect(posted.status).toBe(303);
  const authorizeUrl = new URL(posted.headers.get('location') as string);
  const stateCookie = cookiesOf(posted).mzi_zoho_state as string;
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get('location') as string);
  const callback = new URL(`${s.baseUrl}${back.pathname}${back.search}`);
  return { authorizeUrl, stateCookie, back, callback, setCookie: posted.headers.getSetCookie().join('\n') };
}

const storedRows = () => storedZohoConnectionRows(testDb.url);

describe('Connect Zoho on the dashboard', () => {
  it('runs the OAuth redirect flow end to end: consent, callback, stored connection, then Disconnect', async () => {
    const s = await start();
    const session = await signIn(s);
    const before = await fetch(`${s.baseUrl}/admin/zoho`, { headers: { cookie: session } });
    const page = await before.text();
    expect(page).toContain('not connected');
    expect(page).toContain(`${PUBLIC_URL}/admin/zoho/callback`);

    const flow = await startConnect(s, session);
    expect(Object.fromEntries(flow.authorizeUrl.searchParams)).toEqual({
      scope: 'ZohoCRM.modules.ALL,ZohoCRM.settings.automation_actions.READ',
      client_id: zoho.state.clientId,
      response_type: 'code',
      access_type: 'offline',
      prompt: 'consent',
      redirect_uri: `${PUBLIC_URL}/admin/zoho/callback`,
      state: flow.stateCookie,
    });
    expect(`${flow.authorizeUrl.origin}${flow.authorizeUrl.pathname}`).toBe(
      `${zoho.accountsUrl}/oauth/v2/auth`,
    );
    expect(flow.setCookie).toMatch(/mzi_zoho_state=[^;]+;.*SameSite=Lax/i);
    expect(flow.back.origin).toBe(PUBLIC_URL);

    // The browser comes back from Zoho without the SameSite=Strict session cookie, with the Lax state cookie.
    const done = await fetch(flow.callback, { headers: { cookie: `mzi_zoho_state=${flow.stateCookie}` } });
    const donePage = await done.text();
    expect(done.status, donePage).toBe(200);
    expect(donePage).toContain('Zoho CRM is connected.');
    expect(donePage).toContain(`API domain ${zoho.apiDomain}`);
    const rows = await storedRows();
    expect(rows).toMatchObject([
      { connected_via: 'dashboard', data_centre: 'us', accounts_url: zoho.accountsUrl },
    ]);

    const after = await (await fetch(`${s.baseUrl}/admin/zoho`, { headers: { cookie: session } })).text();
    expect(after).toContain('connected</span>');
    expect(after).toContain('stored: connected on this page');
    expect(after).toContain(zoho.apiDomain);
    expect(after).toContain('ZohoCRM.modules.ALL, ZohoCRM.settings.automation_actions.READ');
    expect(after).toContain('Disconnect');
    // The connect's test call: one credit.
    expect(after).toContain('<dt>API credits, last 24 h</dt><dd>1</dd>');

    // Used once: the same answer from Zoho again is refused.
    const replay = await fetch(flow.callback, { headers: { cookie: `mzi_zoho_state=${flow.stateCookie}` } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('unknown, was already used, or is older than 10 minutes');

    const [refreshToken] = [...zoho.state.refreshTokens.keys()].filter(
      (t) => t !== zoho.credentials.refreshToken,
    );
    const code = flow.back.searchParams.get('code') as string;
    for (const secret of [refreshToken as string, zoho.state.clientSecret, code, flow.stateCookie])
      expect(s.output()).not.toContain(secret);

    const disconnected = await fetch(`${s.baseUrl}/admin/zoho/disconnect`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session, origin: s.baseUrl },
    });
    expect(disconnected.headers.get('location')).toBe('/admin/zoho?flash=zoho-disconnected');
    expect(zoho.state.refreshTokens.has(refreshToken as string)).toBe(false);
    expect(await storedRows()).toEqual([]);
  });

  it('refuses an answer whose state does not match this browser, explaining, and stores nothing', async () => {
    const s = await start();
    const session = await signIn(s);
    const flow = await startConnect(s, session);
    for (const cookie of ['', 'mzi_zoho_state=someone-elses-state']) {
      const response = await fetch(flow.callback, { headers: cookie ? { cookie } : {} });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('does not belong to a connection started in this browser');
    }
    const forged = new URL(flow.callback);
    forged.searchParams.set('state', 'forged');
    const response = await fetch(forged, { headers: { cookie: `mzi_zoho_state=${flow.stateCookie}` } });
    expect(response.status).toBe(400);
    expect(await storedRows()).toEqual([]);
  });

  it("never sends the client secret to an accounts server that is not Zoho's", async () => {
    const s = await start();
    const flow = await startConnect(s, await signIn(s));
    flow.callback.searchParams.set('accounts-server', 'https://accounts.evil.example');
    const response = await fetch(flow.callback, {
      headers: { cookie: `mzi_zoho_state=${flow.stateCookie}` },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('names an accounts server that is not');
    expect(await storedRows()).toEqual([]);
  });

  it('refuses the callback once the session that started it has logged out', async () => {
    const s = await start();
    const session = await signIn(s);
    const flow = await startConnect(s, session);
    await fetch(`${s.baseUrl}/admin/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session },
    });
    const response = await fetch(flow.callback, {
      headers: { cookie: `mzi_zoho_state=${flow.stateCookie}` },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The dashboard session that started this connection has ended');
  });

  it('without PUBLIC_URL explains why the redirect needs it and offers the CLI', async () => {
    const s = await start({ PUBLIC_URL: '' });
    const session = await signIn(s);
    const page = await (await fetch(`${s.baseUrl}/admin/zoho`, { headers: { cookie: session } })).text();
    expect(page).toContain('Connecting here needs <code>PUBLIC_URL</code>');
    expect(page).toContain('npx mzi zoho connect');
    const posted = await fetch(`${s.baseUrl}/admin/zoho/connect`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session, origin: s.baseUrl },
      body: new URLSearchParams({ client_id: 'a', client_secret: 'b', data_centre: 'eu' }),
    });
    expect(posted.status).toBe(400);
    expect(await posted.json()).toMatchObject({ error: 'zoho.public_url_missing' });
  });

  it('needs a session for the page and the form, and refuses a form from another origin', async () => {
    const s = await start();
    const anonymous = await fetch(`${s.baseUrl}/admin/zoho`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/admin/login');
    const foreign = await fetch(`${s.baseUrl}/admin/zoho/connect`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: await signIn(s),
        origin: 'https://evil.example',
      },
      body: new URLSearchParams({ client_id: 'a', client_secret: 'b', data_centre: 'eu' }),
    });
    expect(foreign.status).toBe(403);
  });
});
