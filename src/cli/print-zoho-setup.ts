import type { ZohoModule } from '../modules/zoho-module.js';
import { TOKEN_HEADER } from '../webhooks/verify-signature.js';
import {
  buildWebhookSetup,
  ID_ONLY_CHANGE_FIELD,
  ZOHO_MAX_CUSTOM_PARAMS,
  ZOHO_MAX_MODULE_PARAMS,
} from '../webhooks/zoho-webhook-setup.js';

export interface PrintSetupOptions {
  module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields' | 'testDelivery'>;
  baseUrl: string;
  path: string;
  token: string | undefined;
  hmacOnly: boolean;
  authDisabled: boolean;
  /** ZOHO_FETCH_RECORDS: the webhooks send only the record id (and Modified_Time). */
  fetchRecords: boolean;
}

/** The text of `mzi zoho-setup <module>`: step by step, ready to paste into Zoho CRM's webhook form. */
export function printZohoSetup(options: PrintSetupOptions): string {
  const headerName = 'X-Webhook-Token';
  const authHeader = options.token ? { name: headerName, value: options.token } : undefined;
  const { module } = options;
  const setups = buildWebhookSetup({
    module,
    baseUrl: options.baseUrl,
    path: options.path,
    authHeader,
    idOnly: options.fetchRecords,
  });
  const lines: string[] = [
    'Zoho CRM: Setup > Automation > Actions > Webhooks > Configure Webhook. Create these three webhooks,',
    `then one workflow rule per webhook on the ${module.zohoApiName} module (Setup > Automation > Workflow Rules).`,
    'Zoho has no merge field for the operation, so each webhook carries a fixed ?operation= in its URL.',
    '',
  ];
  if (options.fetchRecords) {
    lines.push(
      "ZOHO_FETCH_RECORDS=true: mzi reads each created or edited record from Zoho's API before processing it,",
      `so each webhook sends only the record id and its ${ID_ONLY_CHANGE_FIELD}, which tells one edit from the next`,
      '(so that a re-delivery of the same edit is recognised as one). A delete needs only the id.',
      '',
    );
  }
  if (options.authDisabled) {
    lines.push('WARNING: authentication is off (ZOHO_WEBHOOK_TOKEN and ZOHO_WEBHOOK_SECRET are empty). Set');
    lines.push('ZOHO_WEBHOOK_TOKEN to a long random value, restart mzi, and run this command again.', '');
  } else if (options.hmacOnly) {
    lines.push(
      'NOTE: only ZOHO_WEBHOOK_SECRET (HMAC) is set. Zoho workflow webhooks cannot sign requests; set',
    );
    lines.push(
      `ZOHO_WEBHOOK_TOKEN too for Zoho, or use signed Deluge functions: mzi zoho-setup ${module.name} --deluge.`,
      '',
    );
  }
  setups.forEach((setup, index) => {
    lines.push(
      `Webhook ${index + 1} of ${setups.length}: "${setup.name}" (workflow rule: when ${setup.trigger})`,
    );
    lines.push(`  Method:          ${setup.method}`);
    lines.push(`  URL to notify:   ${setup.url}`);
    lines.push('  Authorization:   General');
    for (const header of setup.headers) {
      lines.push(`  Header:          ${header.name}: ${header.value}   (custom header, keep it secret)`);
    }
    lines.push(`  Body:            ${setup.bodyType}`);
    lines.push(
      `  Module parameters (${setup.parameters.length} of ${ZOHO_MAX_MODULE_PARAMS} allowed; custom parameters used: 0 of ${ZOHO_MAX_CUSTOM_PARAMS}):`,
    );
    const width = Math.max(...setup.parameters.map((p) => p.name.length));
    for (const p of setup.parameters) lines.push(`    ${p.name.padEnd(width)}  =  ${p.value}   (${p.label})`);
    lines.push('');
  });
  if (options.token) {
    lines.push(
      `If your Zoho edition has no custom headers, append &token=<ZOHO_WEBHOOK_TOKEN> to each URL instead of the ${TOKEN_HEADER} header.`,
    );
  }
  lines.push(
    `Test it: save a ${module.name} in Zoho, then run \`mzi events list\` (or \`mzi send ${module.name} --field ${module.testDelivery.hint.field}=… \` without Zoho).`,
  );
  return lines.join('\n');
}
