import { STUDENT_FIELDS, STUDENT_MODULE } from '../modules/students/student-fields.js';
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
  /** Public base URL of mzi as Zoho reaches it, e.g. https://mzi.example.edu. */
  baseUrl: string;
  path: string;
  /** Header Zoho sends with the shared token; undefined when authentication is off. */
  authHeader: { name: string; value: string } | undefined;
}

const TRIGGERS: Array<{ operation: Operation; trigger: string }> = [
  { operation: 'insert', trigger: 'a BTEC_Students record is created' },
  { operation: 'update', trigger: 'a BTEC_Students record is edited' },
  { operation: 'delete', trigger: 'a BTEC_Students record is deleted' },
];

/**
 * What to configure in Zoho for the student webhooks: one workflow rule and webhook per trigger, each with a
 * fixed `?operation=` (Zoho has no merge field for the operation), form data within Zoho's parameter limits.
 */
export function buildStudentWebhookSetup(options: SetupOptions): ZohoWebhookSetup[] {
  const parameters: WebhookParameter[] = [
    { name: 'id', value: `\${!${STUDENT_MODULE}.id}`, label: 'Record Id' },
    ...STUDENT_FIELDS.map((field) => ({
      name: field.apiName,
      value: `\${!${STUDENT_MODULE}.${field.apiName}}`,
      label: field.label,
    })),
  ];
  if (parameters.length > ZOHO_MAX_MODULE_PARAMS) {
    throw new Error(
      `The student webhook needs ${parameters.length} parameters; Zoho allows ${ZOHO_MAX_MODULE_PARAMS}.`,
    );
  }
  const base = options.baseUrl.replace(/\/+$/, '');
  return TRIGGERS.map(({ operation, trigger }) => ({
    name: `mzi student ${operation}`,
    trigger,
    operation,
    method: 'POST',
    url: `${base}${options.path}?operation=${operation}`,
    bodyType: 'Form-Data (application/x-www-form-urlencoded)',
    headers: options.authHeader ? [options.authHeader] : [],
    parameters,
  }));
}
