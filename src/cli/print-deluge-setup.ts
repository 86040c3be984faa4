import type { ZohoModule } from '../modules/zoho-module.js';
import {
  buildDelugeFunctions,
  DELUGE_ID_ARGUMENT,
  DELUGE_SECRET_PLACEHOLDER,
} from '../webhooks/deluge-function.js';

export interface PrintDelugeSetupOptions {
  module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields'>;
  /** The module's webhook URL as Zoho reaches it. */
  url: string;
  /** The secret to print; undefined prints DELUGE_SECRET_PLACEHOLDER (the default: secrets stay off screens). */
  shownSecret: string | undefined;
  timestamped: boolean;
  /** ZOHO_WEBHOOK_SECRET is set: without it mzi does not check the signature these functions send. */
  hasSecret: boolean;
  /** ZOHO_WEBHOOK_TOKEN is set. */
  hasToken: boolean;
  /** ZOHO_FETCH_RECORDS: the functions send only the record id. */
  fetchRecords?: boolean;
}

const WHEN = { Create: 'created', Edit: 'edited', Delete: 'deleted' } as const;

/** The text of `mzi zoho-setup <module> --deluge`: the clicks in Zoho CRM, then one function per operation. */
export function printDelugeSetup(options: PrintDelugeSetupOptions): string {
  const { module } = options;
  const functions = buildDelugeFunctions({
    module,
    url: options.url,
    secret: options.shownSecret ?? DELUGE_SECRET_PLACEHOLDER,
    timestamped: options.timestamped,
    idOnly: options.fetchRecords === true,
  });
  const lines: string[] = [
    `Zoho CRM: three signed Deluge functions for the ${module.zohoApiName} workflow rules, one per operation.`,
    ...(options.fetchRecords
      ? [
          "ZOHO_FETCH_RECORDS=true: mzi reads each record from Zoho's API before processing it, so each function",
          'posts only the record id, {"operation", "delivery_id", "data": [{"id"}]},',
        ]
      : [
          'Each reads the whole record (zoho.crm.getRecordById), posts {"operation", "delivery_id", "data": [record]}',
        ]),
    `to ${options.url}`,
    options.timestamped
      ? 'and signs "{X-Zoho-Timestamp}.{body}" with HMAC-SHA256 in X-Zoho-Signature (zoho.encryption.hmacsha256, base64).'
      : 'and signs the body with HMAC-SHA256 in X-Zoho-Signature (zoho.encryption.hmacsha256, base64).',
    '',
    ...authNotes(options),
  ];
  for (const [index, fn] of functions.entries()) {
    lines.push(
      `Function ${index + 1} of ${functions.length}: ${fn.name} (workflow rule: when a ${module.zohoApiName} record is ${WHEN[fn.trigger]})`,
      `  1. Setup > Automation > Workflow Rules > Create Rule. Module: ${module.zohoApiName}. Rule name: mzi ${module.name} ${fn.operation}.`,
      `  2. When: on a Record Action > ${fn.trigger}. Condition: All ${module.zohoApiName} records.`,
      '  3. Instant Actions > Function > New Function > Write your own.',
      `     Function name: ${fn.name}. Language: Deluge.`,
      `  4. Edit Arguments: argument name "${DELUGE_ID_ARGUMENT}", type String, value: the record's Id`,
      `     (type # and pick ${module.zohoApiName} > ${module.zohoApiName} Id). Save.`,
      `  5. Paste the code below between the braces of void automation.${fn.name}(String ${DELUGE_ID_ARGUMENT}),`,
      '     Save, then Save and Associate, then Save the rule.',
      '',
      indent(fn.code),
      '',
    );
  }
  lines.push(
    `Test it: edit a ${module.zohoApiName} record in Zoho, then run \`mzi events list --module ${module.zohoApiName}\`.`,
    "The function's log (Setup > Developer Hub > Functions > the function > Logs) shows mzi's answer.",
  );
  return lines.join('\n');
}

function authNotes(options: PrintDelugeSetupOptions): string[] {
  if (!options.hasSecret) {
    return options.hasToken
      ? [
          'WARNING: ZOHO_WEBHOOK_SECRET is empty, and mzi expects ZOHO_WEBHOOK_TOKEN: it will refuse these signed',
          'deliveries (401). Set ZOHO_WEBHOOK_SECRET to a long random value, restart mzi, and run this again.',
          '',
        ]
      : [
          'WARNING: authentication is off (ZOHO_WEBHOOK_SECRET and ZOHO_WEBHOOK_TOKEN are empty): mzi accepts these',
          'deliveries without checking the signature. Set ZOHO_WEBHOOK_SECRET to a long random value and restart mzi.',
          '',
        ];
  }
  if (options.shownSecret !== undefined) {
    return [
      'The functions hold the real ZOHO_WEBHOOK_SECRET (--show-secret): keep this text out of tickets and chats.',
      '',
    ];
  }
  return [
    `Replace ${DELUGE_SECRET_PLACEHOLDER} in each function with the value of ZOHO_WEBHOOK_SECRET`,
    '(or run this again with --show-secret to have it printed). Until then mzi refuses them: 401 invalid_signature.',
    '',
  ];
}

function indent(code: string): string {
  return code
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
