import { crmError, type FakeAnswer } from './render.js';

/** At most 100 records a write (update-records.html, upsert-records.html, delete-records.html). */
export const MAX_WRITE_RECORDS = 100;
export const USER = { name: 'Zoho Admin', id: '5725767000000411001' };
/** Fields Zoho sets itself: a write may not change them. */
export const SYSTEM_FIELDS = new Set(['Created_Time', 'Modified_Time', 'Created_By', 'Modified_By']);

/** A write's JSON body: `data` (1 to 100 records) and the keys beside it. */
export interface WriteBody {
  data: Record<string, unknown>[];
  trigger?: unknown;
  duplicate_check_fields?: unknown;
}

/**
 * The body of `PUT /{module}` or `POST /{module}/upsert`, or Zoho's refusal of it: not JSON is INVALID_DATA, no
 * `data` REQUIRED_PARAM_MISSING, more than 100 records LIMIT_EXCEEDED
 * (https://www.zoho.com/crm/developer/docs/api/v8/update-records.html, "Possible Errors").
 */
export function readWriteBody(bodyText: string): WriteBody | FakeAnswer {
  let body: { data?: unknown };
  try {
    body = JSON.parse(bodyText) as typeof body;
  } catch {
    return crmError(400, 'INVALID_DATA', 'body', {});
  }
  if (!Array.isArray(body.data) || body.data.length === 0) {
    return crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param: 'data',
    });
  }
  if (body.data.length > MAX_WRITE_RECORDS) {
    return crmError(400, 'LIMIT_EXCEEDED', 'the limit of records that can be given has been exceeded', {
      limit: MAX_WRITE_RECORDS,
    });
  }
  return {
    ...body,
    data: body.data.map((item: unknown) => (item ?? {}) as Record<string, unknown>),
  } as WriteBody;
}

export function isRefusal(value: WriteBody | FakeAnswer): value is FakeAnswer {
  return 'status' in value && typeof value.status === 'number';
}

/**
 * Whether a write runs the module's workflow rules: `trigger` absent runs workflow, approval and blueprint; an
 * array runs what it names, `[]` nothing (update-records.html, upsert-records.html: `trigger`).
 */
export function runsWorkflow(trigger: unknown): boolean {
  return trigger === undefined || (Array.isArray(trigger) && trigger.includes('workflow'));
}

/** One record's failure within a write's `data`. */
export function entryError(code: string, message: string, details: Record<string, unknown>) {
  return { code, details, message, status: 'error' as const };
}

/** The HTTP status of a write: all records written 200, some 207 (multi-status), none 400. */
export function writeStatus(results: readonly { status: string }[]): number {
  const ok = results.filter((result) => result.status === 'success').length;
  return ok === results.length ? 200 : ok === 0 ? 400 : 207;
}
