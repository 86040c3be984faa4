import { upsertAnswerSchema, writeAnswerSchema } from './zoho-answers.js';
import type { ZohoDeleteResult, ZohoUpsertResult } from './zoho-api.js';
import { checkWriteSize, parseAnswer, segment, ZOHO_SCOPES } from './zoho-records.js';
import { type RequesterState, requestZoho } from './zoho-requester.js';

/**
 * `POST /crm/v8/{module}/upsert` with `duplicate_check_fields` and `"trigger": []`
 * (https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html): Zoho looks for a record with the first
 * field's value, then the next field's, and updates the one it finds or inserts a new record. Each record gets its
 * own answer, even when the call's HTTP status is 207 or 400.
 */
export async function upsertRecords(
  state: RequesterState,
  module: string,
  records: readonly Readonly<Record<string, unknown>>[],
  duplicateCheckFields: readonly string[],
): Promise<ZohoUpsertResult[]> {
  if (records.length === 0) return [];
  checkWriteSize('upsertRecords', records.length, 'records');
  // Without the key, Zoho falls back to the module's system-defined field (a custom module's Name): a match on a
  // display name would overwrite the wrong record, so the caller always names its key.
  if (duplicateCheckFields.length === 0) {
    throw new TypeError('upsertRecords needs at least one duplicate-check field');
  }
  const answer = await requestZoho(state, {
    callType: 'upsert_records',
    method: 'POST',
    path: `/crm/v8/${segment(module)}/upsert`,
    body: { data: records, duplicate_check_fields: duplicateCheckFields, trigger: [] },
    scope: ZOHO_SCOPES.records,
    perRecordAnswer: true,
  });
  const results = parseAnswer(upsertAnswerSchema, answer.json, 'POST upsert').data;
  return records.map((_record, index): ZohoUpsertResult => {
    const result = results[index];
    if (!result)
      return { ok: false, code: 'NO_ANSWER', message: 'Zoho said nothing of this record', details: {} };
    if (result.status !== 'success') {
      return { ok: false, code: result.code, message: result.message, details: result.details };
    }
    const id = idOf(result.details.id);
    const action = result.action;
    if (id === undefined || (action !== 'insert' && action !== 'update')) {
      // Written, but not as the page describes: say so rather than guess which record it was.
      return {
        ok: false,
        code: 'UNEXPECTED_ANSWER',
        message: 'Zoho wrote this record but named no id or action',
        details: result.details,
      };
    }
    const modified = result.details.Modified_Time;
    return {
      ok: true,
      id,
      action,
      duplicateField: result.duplicate_field ?? null,
      modifiedTime: typeof modified === 'string' ? modified : undefined,
    };
  });
}

/**
 * `DELETE /crm/v8/{module}?ids=…&wf_trigger=false` (https://www.zoho.com/crm/developer/docs/api/v8/delete-records.html):
 * at most 100 ids; each gets its own answer, `INVALID_DATA` "record not deleted" for an id Zoho has no record of.
 * `wf_trigger=false` keeps the module's workflow rules (and so mzi's own webhooks) from running.
 */
export async function deleteRecords(
  state: RequesterState,
  module: string,
  ids: readonly string[],
): Promise<ZohoDeleteResult[]> {
  if (ids.length === 0) return [];
  checkWriteSize('deleteRecords', ids.length, 'ids');
  const answer = await requestZoho(state, {
    callType: 'delete_records',
    method: 'DELETE',
    path: `/crm/v8/${segment(module)}`,
    query: { ids: ids.join(','), wf_trigger: 'false' },
    scope: ZOHO_SCOPES.records,
    perRecordAnswer: true,
  });
  const results = parseAnswer(writeAnswerSchema, answer.json, 'DELETE records').data;
  // Each answer names its id: read it by id, and by position only where it names none.
  const byId = new Map(results.map((result) => [idOf(result.details.id), result]));
  return ids.map((id, index): ZohoDeleteResult => {
    const positional = results[index];
    const result =
      byId.get(id) ?? (positional && idOf(positional.details.id) === undefined ? positional : undefined);
    if (!result) {
      return { ok: false, id, code: 'NO_ANSWER', message: 'Zoho said nothing of this record', details: {} };
    }
    if (result.status === 'success') return { ok: true, id };
    return { ok: false, id, code: result.code, message: result.message, details: result.details };
  });
}

/** A record id as Zoho writes it: a string, or (the spec allows int64) a number. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
