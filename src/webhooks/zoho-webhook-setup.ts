import type { ZohoModule } from '../modules/zoho-module.js';
import type { Operation } from './normalize-operation.js';

/** Zoho workflow webhooks take at most 25 module parameters and 10 custom parameters (DESIGN.md §2). */
export const ZOHO_MAX_MODULE_PARAMS = 25;
export const ZOHO_MAX_CUSTOM_PARAMS = 10;
/** A raw-body template may hold at most 500 characters. */
export const ZOHO_MAX_RAW_TEMPLATE = 500;

export interface WebhookParameter {
  /** The parameter name Zoho sends: mzi reads it as the field's API name. */
  name: string;
  /** Merge field (API-name form) that fills it. */
  value: string;
  label: string;
}

export interface ZohoWebhookSetup {
  name: string;
  trigger: string;
  operation: Operation;
  method: 'POST';
  url: string;
  bodyType: 'Form-Data (application/x-www-form-urlencoded)';
  headers: Array<{ name: string; value: string }>;
  parameters: WebhookParameter[];
}

export interface SetupOptions {
  module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields'>;
  /** Public base URL of mzi as Zoho reaches it, e.g. https://mzi.example.edu. */
  baseUrl: string;
  path: string;
  /** Header Zoho sends with the shared token; undefined when authentication is off. */
  authHeader: { name: string; value: string } | undefined;
  /**
   * ZOHO_FETCH_RECORDS: mzi reads each record from Zoho's API, so the webhook sends only the record id, and its
   * Modified_Time when the module has one (it tells one edit from the next, so that a re-delivery of the same
   * edit is recognised as one).
   */
  idOnly?: boolean;
}

/** The field that tells a record's edits apart in an id-only webhook. */
export const ID_ONLY_CHANGE_FIELD = 'Modified_Time';

const TRIGGERS: Array<{ operation: Operation; when: string }> = [
  { operation: 'insert', when: 'created' },
  { operation: 'update', when: 'edited' },
  { operation: 'delete', when: 'deleted' },
];

/**
 * What to configure in Zoho for a module's webhooks: one workflow rule and webhook per trigger, each with a
 * fixed `?operation=` (Zoho has no merge field for the operation), form data within Zoho's parameter limits.
 */
export function buildWebhookSetup(options: SetupOptions): ZohoWebhookSetup[] {
  const { name, zohoApiName, fields } = options.module;
  const sent = options.idOnly ? fields.filter((field) => field.apiName === ID_ONLY_CHANGE_FIELD) : fields;
  const parameters: WebhookParameter[] = [
    { name: 'id', value: `\${!${zohoApiName}.id}`, label: 'Record Id' },
    ...sent.map((field) => ({
      name: field.apiName,
      value: `\${!${zohoApiName}.${field.apiName}}`,
      label: field.label,
    })),
  ];
  if (parameters.length > ZOHO_MAX_MODULE_PARAMS) {
    throw new Error(
      `The ${name} webhook needs ${parameters.length} parameters; Zoho allows ${ZOHO_MAX_MODULE_PARAMS}.`,
    );
  }
  const base = options.baseUrl.replace(/\/+$/, '');
  return TRIGGERS.map(({ operation, when }) => ({
    name: `mzi ${name} ${operation}`,
    trigger: `a ${zohoApiName} record is ${when}`,
    operation,
    method: 'POST',
    url: `${base}${options.path}?operation=${operation}`,
    bodyType: 'Form-Data (application/x-www-form-urlencoded)',
    headers: options.authHeader ? [options.authHeader] : [],
    parameters,
  }));
}
