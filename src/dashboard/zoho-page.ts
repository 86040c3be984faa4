import type { ZohoDataCentre } from '../zoho/zoho-api.js';
import { ZOHO_DATA_CENTRES } from '../zoho/zoho-api.js';
import type { ZohoConnectionInfo } from '../zoho/zoho-connection-store.js';
import type { ZohoCredentialsOrigin } from '../zoho/zoho-credentials-source.js';
import { ZOHO_SCOPE_LIST, ZOHO_SCOPES } from '../zoho/zoho-scopes.js';
import { html, type SafeHtml } from './html.js';
import { type Flash, layout, shortTime } from './layout.js';

/** What the Zoho page shows; nothing secret. */
export interface ZohoPageState {
  origin: ZohoCredentialsOrigin;
  /** The stored connection, when there is one (shown even while the ZOHO_* settings win over it). */
  stored: ZohoConnectionInfo | undefined;
  /** Why the stored connection cannot be opened, if it cannot. */
  storedProblem: string | undefined;
  /** With the ZOHO_* settings: their data centre and accounts server. */
  env: { dataCentre: ZohoDataCentre | undefined; accountsUrl: string } | undefined;
  /** The API domain of the last token answer, when known. */
  apiDomain: string | undefined;
  missingScopes: string[];
  /** API credits of the last 24 h, when the usage is counted. */
  creditsLastDay: number | undefined;
  dailyCreditBudget: number | undefined;
  /** `{PUBLIC_URL}/admin/zoho/callback`, or undefined without PUBLIC_URL. */
  redirectUri: string | undefined;
  defaultDataCentre: ZohoDataCentre | undefined;
  flash?: Flash | undefined;
}

/** The Zoho page: the connection in use, and the form that connects through Zoho's OAuth redirect. */
export function zohoPage(state: ZohoPageState): string {
  return layout({
    title: 'Zoho CRM',
    section: 'zoho',
    flash: state.flash,
    body: html`
<h2>Connection</h2>
<div class="panel">${connectionPanel(state)}</div>
<h2>Connect Zoho</h2>
<div class="panel">${connectForm(state)}</div>`,
  });
}

function connectionPanel(state: ZohoPageState): SafeHtml {
  if (state.origin === 'none')
    return html`<p><span class="badge s-pending">not connected</span> mzi works from webhooks alone: it does not
fetch records, write Moodle ids back or catch up on missed webhooks.</p>`;
  const stored = state.stored;
  const credits =
    state.creditsLastDay === undefined
      ? 'not counted'
      : `${state.creditsLastDay}${state.dailyCreditBudget !== undefined ? ` of a budget of ${state.dailyCreditBudget}` : ''}`;
  return html`<dl class="kv">
  <dt>Status</dt><dd>${state.storedProblem && state.origin === 'stored' ? html`<span class="badge s-failed">cannot open</span> ${state.storedProblem}` : html`<span class="badge s-completed">connected</span>`}</dd>
  <dt>Token source</dt><dd>${state.origin === 'env' ? 'env: the ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN settings (they win over a stored connection)' : `stored: connected ${stored?.connectedVia === 'cli' ? 'with mzi zoho connect' : 'on this page'} at ${shortTime(stored?.connectedAt)} UTC`}</dd>
  <dt>Data centre</dt><dd>${(state.origin === 'env' ? state.env?.dataCentre : stored?.dataCentre) ?? 'unset'}</dd>
  <dt>Accounts server</dt><dd>${state.origin === 'env' ? state.env?.accountsUrl : stored?.accountsUrl}</dd>
  <dt>API domain</dt><dd>${state.apiDomain ?? 'not known yet (it comes with the first token answer)'}</dd>
  <dt>Scopes</dt><dd>${state.origin === 'stored' ? scopesOf(stored, state.missingScopes) : 'as granted to ZOHO_REFRESH_TOKEN'}</dd>
  <dt>API credits, last 24 h</dt><dd>${credits}</dd>
</dl>
<p class="muted">mzi processes that started without a Zoho connection use a new one once restarted; a reconnect
is used at once.</p>
${state.origin === 'env' && stored ? html`<p class="muted">A stored connection exists too; it is ignored while the ZOHO_* settings are set.</p>` : ''}
${
  stored
    ? html`<form method="post" action="/admin/zoho/disconnect"><button class="secondary" type="submit">Disconnect</button>
<span class="muted">removes the stored connection and revokes its refresh token at Zoho</span></form>`
    : ''
}`;
}

function scopesOf(stored: ZohoConnectionInfo | undefined, missing: string[]): SafeHtml {
  const granted = stored?.scopes.length ? stored.scopes.join(', ') : 'Zoho did not say';
  if (missing.length === 0) return html`${granted}`;
  return html`${granted}<br><span class="badge s-pending">missing</span> ${missing.join(', ')}: connect again with the scopes below.`;
}

function connectForm(state: ZohoPageState): SafeHtml {
  const cli = html`<p>Or from a shell on the server, with a Self Client's code (API Console › Self Client › Generate Code, scope
<code>${ZOHO_SCOPE_LIST}</code>): <code>npx mzi zoho connect</code>.</p>`;
  if (state.redirectUri === undefined)
    return html`<p class="flash error">Connecting here needs <code>PUBLIC_URL</code>: Zoho sends the browser back to
<code>{PUBLIC_URL}/admin/zoho/callback</code>, an address that must be registered in the Zoho API Console. Set
PUBLIC_URL to the address of mzi as browsers reach it (https://mzi.example.org) and restart mzi.</p>${cli}`;
  return html`<p>In the Zoho API Console (api-console.zoho.com, or the console of your data centre) add a
<strong>Server-based Application</strong> client with this <strong>Authorized Redirect URI</strong>:</p>
<p><code>${state.redirectUri}</code></p>
<p>then enter its client id and secret. Zoho asks you to sign in and to allow these scopes:</p>
<ul>${ZOHO_SCOPES.map(({ scope, purpose }) => html`<li><code>${scope}</code>: to ${purpose}</li>`)}</ul>
<form method="post" action="/admin/zoho/connect" class="filters">
  <label>Client id<input name="client_id" required autocomplete="off" size="40"></label>
  <label>Client secret<input name="client_secret" type="password" required autocomplete="off" size="40"></label>
  <label>Data centre<select name="data_centre">${ZOHO_DATA_CENTRES.map(
    (dc) => html`<option${dc === (state.defaultDataCentre ?? 'us') ? html` selected` : ''}>${dc}</option>`,
  )}</select></label>
  <button type="submit">Connect Zoho</button>
</form>
${state.origin === 'env' ? html`<p class="muted">The ZOHO_* settings are set: they stay in use until they are removed, whatever is connected here.</p>` : ''}
${cli}`;
}

/** The page the OAuth callback answers with: it cannot redirect to a signed-in page (see zoho-routes). */
export function zohoCallbackPage(options: { ok: boolean; title: string; lines: string[] }): string {
  return layout({
    title: options.title,
    section: 'zoho',
    flash: { kind: options.ok ? 'info' : 'error', text: options.lines[0] ?? '' },
    body: html`${options.lines.slice(1).map((line) => html`<p>${line}</p>`)}
<p><a href="/admin/zoho">Back to the Zoho page</a></p>`,
  });
}
