import type { z } from 'zod';
import {
  deletedAnswerSchema,
  recordsAnswerSchema,
  webhookFailuresAnswerSchema,
  writeAnswerSchema,
} from './zoho-answers.js';
import type {
  ZohoDeletedPage,
  ZohoRecord,
  ZohoRecordPage,
  ZohoWebhookFailure,
  ZohoWriteResult,
} from './zoho-api.js';
import { ZohoError } from './zoho-errors.js';
import { type RequesterState, requestZoho } from './zoho-requester.js';

/**
 * The scopes the calls need, as their pages name them (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html,
 * https://www.zoho.com/crm/developer/docs/api/v8/get-webhook-failures.html).
 */
export const ZOHO_SCOPES = {
  records: 'ZohoCRM.modules.ALL',
  webhookFailures: 'ZohoCRM.settings.automation_actions.READ',
} as const;

/** Every scope a connection needs for what mzi does: ask for these when generating the grant code. */
export const ZOHO_REQUIRED_SCOPES: readonly string[] = Object.values(ZOHO_SCOPES);

/** Zoho's limits per call (https://www.zoho.com/crm/developer/docs/api/v8/update-records.html, get-records.html). */
export const MAX_RECORDS_PER_WRITE = 100;

/** Refuses a write of more than Zoho takes in one call (the caller splits it). */
export function checkWriteSize(call: string, count: number, what: 'records' | 'ids'): void {
  if (count > MAX_RECORDS_PER_WRITE) {
    throw new TypeError(`${call} takes at most ${MAX_RECORDS_PER_WRITE} ${what} a call (Zoho's limit)`);
  }
}
export const MAX_RECORDS_PER_PAGE = 200;
export const MAX_FIELDS_PER_LIST = 50;

/** A module name or record id as one URL path segment. */
export const segment = (text: string) => encodeURIComponent(text);

/** `GET /crm/v8/{module}/{id}`: 204 No Content (or an invalid-id refusal) means no such record. */
export async function getRecord(
  state: RequesterState,
  module: string,
  id: string,
): Promise<ZohoRecord | undefined> {
  try {
    const answer = await requestZoho(state, {
      callType: 'get_record',
      method: 'GET',
      path: `/crm/v8/${segment(module)}/${segment(id)}`,
      scope: ZOHO_SCOPES.records,
    });
    if (answer.status === 204) return undefined;
    const [record] = parseAnswer(recordsAnswerSchema, answer.json, 'GET record').data;
    return record as ZohoRecord | undefined;
  } catch (error) {
    // An id Zoho cannot read at all ("the id given seems to be invalid") names no record either.
    if (error instanceof ZohoError && error.zohoCode === 'INVALID_DATA' && error.httpStatus === 400)
      return undefined;
    throw error;
  }
}

/** `PUT /crm/v8/{module}` with `"trigger": []`: no workflow rule, approval or blueprint runs. */
export async function updateRecords(
  state: RequesterState,
  module: string,
  records: readonly ({ readonly id: string } & Readonly<Record<string, unknown>>)[],
): Promise<ZohoWriteResult[]> {
  if (records.length === 0) return [];
  checkWriteSize('updateRecords', records.length, 'records');
  const answer = await requestZoho(state, {
    callType: 'update_records',
    method: 'PUT',
    path: `/crm/v8/${segment(module)}`,
    body: { data: records, trigger: [] },
    scope: ZOHO_SCOPES.records,
    perRecordAnswer: true,
  });
  const results = parseAnswer(writeAnswerSchema, answer.json, 'PUT records').data;
  return records.map((record, index): ZohoWriteResult => {
    const result = results[index];
    if (!result) {
      return {
        ok: false,
        id: record.id,
        code: 'NO_ANSWER',
        message: 'Zoho said nothing of this record',
        details: {},
      };
    }
    if (result.status === 'success') {
      const modified = result.details.Modified_Time;
      return { ok: true, id: record.id, modifiedTime: typeof modified === 'string' ? modified : undefined };
    }
    return { ok: false, id: record.id, code: result.code, message: result.message, details: result.details };
  });
}

/**
 * `GET /crm/v8/{module}?fields=…&sort_by=Modified_Time&sort_order=asc` with `If-Modified-Since` and
 * `page_token` (plain `page` stops at 2,000 records). 304 Not Modified and 204 No Content are an empty page.
 */
export async function listRecords(
  state: RequesterState,
  module: string,
  options: {
    readonly fields: readonly string[];
    readonly modifiedSince?: string | undefined;
    readonly pageToken?: string | undefined;
    readonly perPage?: number | undefined;
  },
): Promise<ZohoRecordPage> {
  if (options.fields.length === 0 || options.fields.length > MAX_FIELDS_PER_LIST) {
    throw new TypeError(`listRecords needs 1 to ${MAX_FIELDS_PER_LIST} fields (Zoho's limit)`);
  }
  const answer = await requestZoho(state, {
    callType: 'list_records',
    method: 'GET',
    path: `/crm/v8/${segment(module)}`,
    query: {
      fields: options.fields.join(','),
      per_page: String(Math.min(options.perPage ?? MAX_RECORDS_PER_PAGE, MAX_RECORDS_PER_PAGE)),
      sort_by: 'Modified_Time',
      sort_order: 'asc',
      page_token: options.pageToken,
    },
    headers: options.modifiedSince ? { 'if-modified-since': zohoTime(options.modifiedSince) } : {},
    scope: ZOHO_SCOPES.records,
  });
  if (answer.json === undefined) return { records: [], more: false, nextPageToken: undefined };
  const page = parseAnswer(recordsAnswerSchema, answer.json, 'GET records');
  const more = page.info?.more_records ?? false;
  return {
    records: page.data as ZohoRecord[],
    more,
    nextPageToken: more ? (page.info?.next_page_token ?? undefined) : undefined,
  };
}

/** `GET /crm/v8/{module}/deleted?type=all&page=…` with `If-Modified-Since`. */
export async function listDeletedRecords(
  state: RequesterState,
  module: string,
  options: { readonly deletedSince?: string | undefined; readonly page?: number | undefined },
): Promise<ZohoDeletedPage> {
  const answer = await requestZoho(state, {
    callType: 'list_deleted_records',
    method: 'GET',
    path: `/crm/v8/${segment(module)}/deleted`,
    query: { type: 'all', page: String(options.page ?? 1), per_page: String(MAX_RECORDS_PER_PAGE) },
    headers: options.deletedSince ? { 'if-modified-since': zohoTime(options.deletedSince) } : {},
    scope: ZOHO_SCOPES.records,
  });
  if (answer.json === undefined) return { records: [], more: false };
  const page = parseAnswer(deletedAnswerSchema, answer.json, 'GET deleted records');
  return {
    records: page.data.map((row) => ({ id: row.id, deletedTime: row.deleted_time, type: row.type })),
    more: page.info?.more_records ?? false,
  };
}

/** Every failed webhook delivery Zoho kept (the last 30 days), page by page. */
export async function listWebhookFailures(state: RequesterState): Promise<ZohoWebhookFailure[]> {
  const failures: ZohoWebhookFailure[] = [];
  for (let page = 1; page <= 50; page += 1) {
    const answer = await requestZoho(state, {
      callType: 'list_webhook_failures',
      method: 'GET',
      path: '/crm/v8/settings/automation/webhook_failures',
      query: { page: String(page), per_page: String(MAX_RECORDS_PER_PAGE) },
      scope: ZOHO_SCOPES.webhookFailures,
    });
    if (answer.json === undefined) break;
    const body = parseAnswer(webhookFailuresAnswerSchema, answer.json, 'GET webhook failures');
    failures.push(...body.webhook_failures.map(toWebhookFailure));
    if (!body.info?.more_records) break;
  }
  return failures;
}

function toWebhookFailure(
  entry: z.output<typeof webhookFailuresAnswerSchema>['webhook_failures'][number],
): ZohoWebhookFailure {
  const text = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  const pick = (...keys: string[]) => keys.map((key) => text(entry[key])).find((v) => v !== undefined);
  const entity = entry.entity_details ?? undefined;
  const module = typeof entity?.module === 'string' ? entity.module : entity?.module?.api_name;
  return {
    id: text(entry.id) ?? `${text(entry.webhook.id) ?? ''}:${text(entity?.id) ?? ''}`,
    webhookName: entry.webhook.name ?? text(entry.webhook.id) ?? 'webhook',
    module: module ?? undefined,
    recordId: text(entity?.id),
    failedAt: pick('failed_time', 'failure_time', 'executed_time', 'time') ?? '',
    reason: pick('failure_reason', 'reason', 'error', 'response_code', 'status_code') ?? '',
  };
}

/** `If-Modified-Since` as Zoho's examples write it: ISO 8601 with an offset, no fraction (`…T15:26:49+00:00`). */
export function zohoTime(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new TypeError(`not an ISO 8601 time: ${iso}`);
  return `${new Date(at).toISOString().slice(0, 19)}+00:00`;
}

/** Zoho's JSON checked against `schema`; a shape we do not understand is a permanent ZohoError. */
export function parseAnswer<S extends z.ZodType>(schema: S, json: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  // Valid JSON of the wrong shape: an API version we do not understand. Sending it again will not help.
  throw new ZohoError(
    'zoho.unexpected_response',
    `Zoho answered ${what} with an unexpected shape${where}: ${issue?.message ?? 'invalid'}`,
    { retryable: false },
  );
}
