import { AppError } from '../errors.js';
import type { ModuleField, ZohoModule } from '../modules/zoho-module.js';
import type { Operation } from './normalize-operation.js';

/**
 * What the printed function puts in the secret when the operator did not ask to see the real one: valid Deluge
 * text, so the function saves, and a delivery signed with it is refused (401 invalid_signature) until replaced.
 */
export const DELUGE_SECRET_PLACEHOLDER = 'PASTE-ZOHO_WEBHOOK_SECRET-HERE';

/** The top-level keys of the envelope the function posts, in the order it puts them. */
export const DELUGE_ENVELOPE_KEYS = ['operation', 'delivery_id', 'data'] as const;

/** The function argument Zoho's workflow rule fills with the record's id (its "Edit Arguments" mapping). */
export const DELUGE_ID_ARGUMENT = 'id';

export interface DelugeFunction {
  operation: Operation;
  /** The function's name in Zoho, e.g. `mzi_student_update`. */
  name: string;
  /** The Zoho record action whose workflow rule runs it. */
  trigger: 'Create' | 'Edit' | 'Delete';
  /** The body to paste between the braces of `void automation.<name>(String id)`. */
  code: string;
}

export interface DelugeFunctionOptions {
  module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields'>;
  /** The module's webhook URL as Zoho reaches it, without a query (the operation travels signed, in the body). */
  url: string;
  /** The text put in the function; DELUGE_SECRET_PLACEHOLDER unless the operator asked for the real secret. */
  secret: string;
  /** Sign `"{ts}.{body}"` and send `X-Zoho-Timestamp` (replay protection), or sign the body alone. */
  timestamped: boolean;
  /**
   * ZOHO_FETCH_RECORDS: mzi reads the record from Zoho's API itself, so every function sends the record id
   * alone and need not read the record.
   */
  idOnly?: boolean;
}

const TRIGGERS: Array<{ operation: Operation; trigger: DelugeFunction['trigger'] }> = [
  { operation: 'insert', trigger: 'Create' },
  { operation: 'update', trigger: 'Edit' },
  { operation: 'delete', trigger: 'Delete' },
];

/**
 * One Deluge function per operation for a module's workflow rules (issue 18). Each reads the whole record, puts
 * the module's fields in the envelope `{"operation", "delivery_id", "data": [record]}`, signs the exact text it
 * posts and posts it. The Zoho help page each call rests on is named next to it; what the help leaves unclear
 * is listed in the README ("Signed Deluge functions").
 */
export function buildDelugeFunctions(options: DelugeFunctionOptions): DelugeFunction[] {
  return TRIGGERS.map(({ operation, trigger }) => ({
    operation,
    trigger,
    name: `mzi_${options.module.name}_${operation}`,
    code: [
      `secret = ${delugeText(options.secret, 'ZOHO_WEBHOOK_SECRET')};`,
      // toLong() of a date-time is its milliseconds since the epoch (deluge/help/functions/common/tolong.html);
      // mzi reads a timestamp in milliseconds as well as in seconds.
      'ts = zoho.currenttime.toLong().toString();',
      ...(operation === 'delete' || options.idOnly ? idOnlyLines() : fetchedRecordLines(options.module)),
      'records = List();',
      'records.add(data);',
      ...envelopeLines(operation, options.idOnly === true),
      'body = envelope.toString();',
      ...postLines(options),
    ].join('\n'),
  }));
}

/**
 * Reads the record through `zoho.crm.getRecordById(<module API name>, <record id NUMBER>)`, which answers a map
 * of field API names to values (creator/help/script/crm-get-recordbyid.html). Each field is present in the
 * envelope, empty text when empty in Zoho (mzi reads "" as empty); a lookup keeps only the related record's id.
 * The record's own `id` comes from the answer, so a record that could not be read is refused by mzi, not blanked.
 */
function fetchedRecordLines(module: DelugeFunctionOptions['module']): string[] {
  return [
    `record = zoho.crm.getRecordById(${delugeText(module.zohoApiName, 'the module API name')}, ${DELUGE_ID_ARGUMENT}.toLong());`,
    'data = Map();',
    'data.put("id", record.get("id"));',
    ...module.fields.flatMap(fieldLines),
  ];
}

function fieldLines(field: ModuleField): string[] {
  const key = delugeText(field.apiName, 'a field API name');
  if (!field.lookup) return [`data.put(${key}, ifnull(record.get(${key}), ""));`];
  return [
    `lookup = record.get(${key});`,
    'if(lookup != null)',
    '{',
    `    data.put(${key}, lookup.get("id"));`,
    '}',
    'else',
    '{',
    `    data.put(${key}, "");`,
    '}',
  ];
}

/**
 * The record's id alone: a deleted record can no longer be read from Zoho (DESIGN.md §2), and with
 * ZOHO_FETCH_RECORDS mzi reads the others itself.
 */
function idOnlyLines(): string[] {
  return ['data = Map();', `data.put("id", ${DELUGE_ID_ARGUMENT});`];
}

/**
 * The delivery id is unique per change: the operation, the record id and its Modified_Time (a delete has no
 * Modified_Time left to read, so the time of the delete). A re-run of the same change is then a duplicate.
 * A function that does not read the record (idOnly) uses the time of the run: a re-run then reads the record
 * again, which changes nothing.
 */
function envelopeLines(operation: Operation, idOnly: boolean): string[] {
  const changed = operation === 'delete' || idOnly ? 'ts' : 'ifnull(record.get("Modified_Time"), "")';
  const [op, deliveryId, data] = DELUGE_ENVELOPE_KEYS;
  return [
    'envelope = Map();',
    `envelope.put("${op}", "${operation}");`,
    `envelope.put("${deliveryId}", "${operation}-" + ${DELUGE_ID_ARGUMENT} + "-" + ${changed});`,
    `envelope.put("${data}", records);`,
  ];
}

/**
 * Signs the exact text it posts: `zoho.encryption.hmacsha256(<key>, <data>)` answers base64 by default
 * (deluge/help/encryption/hmac-sha256.html), which mzi accepts. `invokeurl` sends TEXT `parameters` as the raw
 * body, with the given `content-type` (deluge/help/webhook/invokeurl-api-task.html).
 */
function postLines(options: DelugeFunctionOptions): string[] {
  const signed = options.timestamped ? 'ts + "." + body' : 'body';
  const headers = options.timestamped
    ? '{"X-Zoho-Signature": signature, "X-Zoho-Timestamp": ts}'
    : '{"X-Zoho-Signature": signature}';
  return [
    `signature = zoho.encryption.hmacsha256(secret, ${signed});`,
    'response = invokeurl',
    '[',
    `    url: ${delugeText(options.url, 'the webhook URL')}`,
    '    type: POST',
    `    headers: ${headers}`,
    '    content-type: "application/json"',
    '    parameters: body',
    '    detailed: true',
    '];',
    'info response;',
  ];
}

/**
 * A Deluge text literal. The Deluge help documents no escape inside "…", so a value that would need one (a
 * quote, a backslash, a control character) is refused rather than guessed at.
 */
function delugeText(value: string, what: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/["\\\u0000-\u001f\u007f]/.test(value)) {
    throw new AppError(
      'deluge_unwritable_value',
      `${what} contains a quote, a backslash or a control character, which a Deluge text literal cannot hold; choose a value without them.`,
      { status: 400 },
    );
  }
  return `"${value}"`;
}
