import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ZohoCredentials } from '../../src/zoho/zoho-credentials.js';
import { handleToken } from './fake-zoho/accounts.js';
import { checkCall } from './fake-zoho/auth.js';
import { authorize, revoke } from './fake-zoho/authorize.js';
import {
  createFakeZohoState,
  type FakeZohoStateOptions,
  firstRefreshToken,
} from './fake-zoho/create-state.js';
import { deleteRecords } from './fake-zoho/delete-records.js';
import { listDeleted } from './fake-zoho/deleted-records.js';
import { getRecord } from './fake-zoho/get-record.js';
import { listRecords } from './fake-zoho/list-records.js';
import { crmError, type FakeAnswer, readBody, send } from './fake-zoho/render.js';
import type { FakeZohoState } from './fake-zoho/state.js';
import { updateRecords } from './fake-zoho/update-records.js';
import { upsertRecords } from './fake-zoho/upsert-records.js';
import { listWebhookFailures } from './fake-zoho/webhook-failures.js';

export type { FakeZohoRecord, FakeZohoState } from './fake-zoho/state.js';

export interface FakeZohoOptions extends FakeZohoStateOptions {
  /** The `api_domain` the token answers name; default the fake's own URL (one server plays both roles). */
  apiDomain?: string;
  /** Host name of the default `api_domain` (e.g. `localhost`, to tell API calls from accounts calls). */
  apiHostname?: string;
}

export interface FakeZoho {
  /** The server's root URL. */
  url: string;
  /** Where `/oauth/v2/token` is served (ZOHO_ACCOUNTS_URL). */
  accountsUrl: string;
  /** What token answers give as `api_domain`. */
  apiDomain: string;
  state: FakeZohoState;
  /** Client id, secret and the refresh token the fake honours, with its accounts URL. */
  credentials: ZohoCredentials;
  close(): Promise<void>;
}

/**
 * A fake Zoho on a real loopback port: the accounts server (`/oauth/v2/token`) and the CRM API (`/crm/v8/…`)
 * that mzi uses, following Zoho's documented shapes (each handler cites its page).
 */
export async function startFakeZoho(options: FakeZohoOptions = {}): Promise<FakeZoho> {
  const state = createFakeZohoState(options);
  let apiDomain = options.apiDomain ?? '';
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/crm/')) {
      state.pending.inFlight += 1;
      res.on('close', () => {
        state.pending.inFlight -= 1;
      });
    }
    route(state, req, apiDomain).then(
      (answer) => send(res, answer),
      (error: unknown) =>
        send(res, crmError(500, 'INTERNAL_ERROR', String((error as Error).message ?? error))),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  apiDomain ||= `http://${options.apiHostname ?? '127.0.0.1'}:${port}`;
  return {
    url,
    accountsUrl: url,
    apiDomain,
    state,
    credentials: {
      clientId: state.clientId,
      clientSecret: state.clientSecret,
      refreshToken: firstRefreshToken(state),
      accountsUrl: url,
    },
    close: async () => {
      await state.workflowsSettled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function route(state: FakeZohoState, req: IncomingMessage, apiDomain: string): Promise<FakeAnswer> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const body = await readBody(req);
  if (url.pathname === '/oauth/v2/token' && req.method === 'POST') {
    // Zoho reads the parameters from the query string or the form body.
    const params = new URLSearchParams(url.search);
    for (const [name, value] of new URLSearchParams(body)) params.set(name, value);
    return handleToken(state, params, apiDomain);
  }
  if (url.pathname === '/oauth/v2/auth' && req.method === 'GET') {
    const { port } = req.socket.address() as AddressInfo;
    return authorize(state, url.searchParams, `http://127.0.0.1:${port}`);
  }
  if (url.pathname === '/oauth/v2/token/revoke' && req.method === 'POST')
    return revoke(state, url.searchParams);
  if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'crm' || parts[1] !== 'v8') return notFound();
  const [, , first, second, third] = parts;
  const count = (endpoint: string) => {
    state.counts.calls[endpoint] = (state.counts.calls[endpoint] ?? 0) + 1;
  };
  const ifModifiedSince = header(req, 'if-modified-since');
  if (
    first === 'settings' &&
    second === 'automation' &&
    third === 'webhook_failures' &&
    req.method === 'GET'
  ) {
    count('GET /crm/v8/settings/automation/webhook_failures');
    return checkCall(state, req, 'ZohoCRM.settings') ?? listWebhookFailures(state, url.searchParams);
  }
  if (!first || third !== undefined) return notFound();
  if (second === 'deleted' && req.method === 'GET') {
    count('GET /crm/v8/{module}/deleted');
    return (
      checkCall(state, req, 'ZohoCRM.modules') ?? listDeleted(state, first, url.searchParams, ifModifiedSince)
    );
  }
  if (second === 'upsert' && req.method === 'POST') {
    count('POST /crm/v8/{module}/upsert');
    return checkCall(state, req, 'ZohoCRM.modules') ?? upsertRecords(state, first, body);
  }
  if (second !== undefined && req.method === 'GET') {
    count('GET /crm/v8/{module}/{id}');
    return checkCall(state, req, 'ZohoCRM.modules') ?? getRecord(state, first, second);
  }
  if (second === undefined && req.method === 'GET') {
    count('GET /crm/v8/{module}');
    return (
      checkCall(state, req, 'ZohoCRM.modules') ?? listRecords(state, first, url.searchParams, ifModifiedSince)
    );
  }
  if (second === undefined && req.method === 'DELETE') {
    count('DELETE /crm/v8/{module}');
    return checkCall(state, req, 'ZohoCRM.modules') ?? deleteRecords(state, first, url.searchParams);
  }
  if (second === undefined && req.method === 'PUT') {
    count('PUT /crm/v8/{module}');
    return checkCall(state, req, 'ZohoCRM.modules') ?? updateRecords(state, first, body);
  }
  return notFound();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html: 404 INVALID_URL_PATTERN. */
function notFound(): FakeAnswer {
  return crmError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');
}
