import type { DoctorCheck } from '../admin/run-doctor.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import { DELUGE_SECRET_PLACEHOLDER, type DelugeFunction } from '../webhooks/deluge-function.js';
import { ZOHO_MAX_MODULE_PARAMS, type ZohoWebhookSetup } from '../webhooks/zoho-webhook-setup.js';
import { html } from './html.js';
import { type Flash, layout } from './layout.js';

/**
 * The Setup page: each module's Zoho webhooks (or signed Deluge functions, with a placeholder secret) and test
 * delivery, then the configuration check.
 */
export function setupPage(options: {
  modules: Array<{ module: ZohoModule; setups: ZohoWebhookSetup[]; delugeFunctions: DelugeFunction[] }>;
  authMode: string;
  checks: DoctorCheck[];
  flash?: Flash | undefined;
}): string {
  let copyId = 0;
  const copyable = (text: string) => {
    copyId += 1;
    const id = `copy-${copyId}`;
    return html`<div class="copy"><code id="${id}">${text}</code><button type="button" class="secondary" data-copy="${id}" aria-label="Copy ${text.slice(0, 40)}">Copy</button></div>`;
  };
  return layout({
    title: 'Setup',
    section: 'setup',
    flash: options.flash,
    body: html`
<h2>1. Configure Zoho CRM</h2>
${options.modules.map(
  ({ module, setups, delugeFunctions }) => html`<div class="panel">
<p>In Zoho CRM, open <strong>Setup › Automation › Actions › Webhooks › Configure Webhook</strong> and create the three
webhooks below, then one workflow rule per webhook on the ${module.zohoApiName} module (<strong>Setup › Automation ›
Workflow Rules</strong>): on create, on edit, on delete. Zoho has no merge field for the operation, so each webhook
carries a fixed <code>?operation=</code> in its URL. The same text is printed by <code>npx mzi zoho-setup ${module.name}</code>.</p>
${
  options.authMode === 'disabled'
    ? html`<p class="flash error">Webhook authentication is off: set <code>ZOHO_WEBHOOK_TOKEN</code> to a long random value and restart mzi before connecting Zoho.</p>`
    : ''
}
${setups.map(
  (
    setup,
    i,
  ) => html`<h3>Webhook ${String(i + 1)}: ${setup.name} <span class="muted">(when ${setup.trigger})</span></h3>
<dl class="kv">
  <dt>Method</dt><dd>${setup.method}</dd>
  <dt>URL to notify</dt><dd>${copyable(setup.url)}</dd>
  <dt>Authorization</dt><dd>General</dd>
  ${setup.headers.map((h) => html`<dt>Custom header</dt><dd>${copyable(h.name)} ${copyable(h.value)}</dd>`)}
  <dt>Body</dt><dd>${setup.bodyType}</dd>
  <dt>Module parameters</dt><dd><p class="muted">${String(setup.parameters.length)} of ${String(ZOHO_MAX_MODULE_PARAMS)} allowed</p>
    <table><thead><tr><th>Parameter name</th><th>Value (merge field)</th></tr></thead><tbody>${setup.parameters.map(
      (p) => html`<tr><td>${copyable(p.name)}</td><td>${copyable(p.value)}</td></tr>`,
    )}</tbody></table></dd>
</dl>`,
)}
${delugeSection(module, delugeFunctions)}
</div>`,
)}
<h2>2. Send a test delivery</h2>
${options.modules.map(
  ({ module }) => html`<div class="panel">
<p>Posts a Zoho-shaped ${module.name} (form data, authenticated like Zoho) to this server, then shows the event it made.</p>
<form method="post" action="/admin/setup/test-delivery" class="filters">
  <input type="hidden" name="module" value="${module.name}">
  <label>Operation<select name="operation"><option>insert</option><option>update</option><option>delete</option></select></label>
  <label>Zoho record id (optional)<input name="record_id" inputmode="numeric" size="20"></label>
  ${module.testDelivery.fields.map(
    (field) =>
      html`<label>${field.label}<input name="${field.apiName}" value="${field.value}" dir="auto"></label>`,
  )}
  <button type="submit">Send test delivery</button>
</form>
</div>`,
)}
<h2>3. Configuration check</h2>
<div class="panel"><table><thead><tr><th>Check</th><th>Result</th><th>How to fix</th></tr></thead><tbody>${options.checks.map(
      (c) =>
        html`<tr><td>${c.name}</td><td><span class="badge ${c.status === 'ok' ? 's-completed' : c.status === 'warn' ? 's-pending' : 's-failed'}">${c.status}</span> ${c.detail}</td><td>${c.status === 'ok' ? '' : (c.fix ?? '')}</td></tr>`,
    )}</tbody></table></div>`,
  });
}

/**
 * The signed alternative to the webhooks, folded away: the same functions as `mzi zoho-setup <module> --deluge`,
 * always with the placeholder (the page never shows the secret).
 */
function delugeSection(module: ZohoModule, functions: DelugeFunction[]) {
  if (functions.length === 0) return '';
  return html`<details><summary>Or: signed Deluge functions for the workflow rules' Function action (the whole record, HMAC-signed)</summary>
<p>For each function: <strong>Setup › Automation › Workflow Rules › Create Rule</strong> on ${module.zohoApiName}, on a record
action (Create, Edit or Delete), then <strong>Instant Actions › Function › New Function › Write your own</strong> with the name below;
<strong>Edit Arguments</strong>: <code>id</code> (String) = the record's Id (<code>#</code> › ${module.zohoApiName} Id); paste the code
between the braces and replace <code>${DELUGE_SECRET_PLACEHOLDER}</code> with <code>ZOHO_WEBHOOK_SECRET</code>
(<code>npx mzi zoho-setup ${module.name} --deluge --show-secret</code> prints it in). See the README, "Signed Deluge functions".</p>
${functions.map(
  (
    fn,
  ) => html`<h3>${fn.name} <span class="muted">(when a record is ${fn.trigger === 'Create' ? 'created' : fn.trigger === 'Edit' ? 'edited' : 'deleted'})</span></h3>
<pre>${fn.code}</pre>`,
)}
</details>`;
}
