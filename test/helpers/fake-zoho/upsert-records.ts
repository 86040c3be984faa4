import { invalidModule } from './list-records.js';
import { crmError, type FakeAnswer } from './render.js';
import { type FakeZohoRecord, type FakeZohoState, newRecordId, zohoDateTime } from './state.js';
import { runWorkflow } from './workflow.js';
import {
  entryError,
  isRefusal,
  readWriteBody,
  runsWorkflow,
  SYSTEM_FIELDS,
  USER,
  writeStatus,
} from './write-body.js';

/** A custom module's system-defined duplicate-check field (upsert-records.html, `duplicate_check_fields`). */
const SYSTEM_DUPLICATE_CHECK = 'Name';

/**
 * `POST /crm/v8/{module}/upsert` with `{"data":[…], "duplicate_check_fields":[…], "trigger":[…]}`
 * (https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html; zoho/crm-oas v8.0 record.json,
 * upsertRecords). Each record is matched on the duplicate-check fields in order (the first whose value an
 * existing record has exactly), then updated (`action: "update"`, `"record updated"`) or inserted with a new id
 * (`action: "insert"`, `"record added"`); `duplicate_field` names the field matched, or for an insert the first
 * one checked. Without `duplicate_check_fields` the system field comes first, then the unique fields. Records are
 * written in order, so a later one can match an earlier one of the same call. All written is 200, some 207,
 * none 400.
 *
 * Refusals: a system field is INVALID_DATA (as for PUT); an insert without a mandatory field
 * MANDATORY_NOT_FOUND; a value another record already holds in a unique field DUPLICATE_DATA with
 * `duplicate_record`. A duplicate-check field that is not unique refuses the whole call with INVALID_DATA naming
 * it: Zoho accepts only system-defined and "Do not allow duplicate values" fields there, and its pages give no
 * example of the refusal, so the shape is that of its other INVALID_DATA answers (`api_name`, `json_path`).
 */
export function upsertRecords(state: FakeZohoState, module: string, bodyText: string): FakeAnswer {
  const table = state.modules.get(module);
  if (!table) return invalidModule();
  const body = readWriteBody(bodyText);
  if (isRefusal(body)) return body;
  const unique = state.uniqueFields[module] ?? [];
  const checkable = [SYSTEM_DUPLICATE_CHECK, ...unique];
  const fields = body.duplicate_check_fields ?? checkable;
  if (!Array.isArray(fields) || fields.some((field) => typeof field !== 'string')) {
    return crmError(400, 'INVALID_DATA', 'invalid data', {
      api_name: 'duplicate_check_fields',
      json_path: '$.duplicate_check_fields',
    });
  }
  const notUnique = fields.findIndex((field) => !checkable.includes(field));
  if (notUnique >= 0) {
    return crmError(400, 'INVALID_DATA', 'invalid data', {
      api_name: fields[notUnique],
      json_path: `$.duplicate_check_fields[${notUnique}]`,
    });
  }
  const workflow = runsWorkflow(body.trigger);
  const results = body.data.map((data, index) =>
    upsertOne(state, { module, table, data, index, checks: fields as string[], unique, workflow }),
  );
  return { status: writeStatus(results), json: { data: results } };
}

interface UpsertOne {
  module: string;
  table: Map<string, FakeZohoRecord>;
  data: Record<string, unknown>;
  index: number;
  checks: string[];
  unique: string[];
  workflow: boolean;
}

function upsertOne(state: FakeZohoState, one: UpsertOne) {
  const { module, table, data, index } = one;
  // The fake does not model upsert by record id (Zoho's sample sends one); mzi never does it.
  const refused = Object.keys(data).find((name) => SYSTEM_FIELDS.has(name) || name === 'id');
  if (refused) {
    return entryError('INVALID_DATA', 'invalid data', {
      api_name: refused,
      json_path: `$.data[${index}].${refused}`,
    });
  }
  const given = one.checks.filter((field) => hasValue(data[field]));
  let match: { field: string; record: FakeZohoRecord } | undefined;
  for (const field of given) {
    const record = [...table.values()].find((candidate) => same(candidate[field], data[field]));
    if (record) {
      match = { field, record };
      break;
    }
  }
  for (const field of one.unique.filter((name) => hasValue(data[name]))) {
    const other = [...table.values()].find(
      (record) => record !== match?.record && same(record[field], data[field]),
    );
    if (other) {
      return entryError('DUPLICATE_DATA', 'duplicate data', {
        api_name: field,
        json_path: `$.data[${index}].${field}`,
        duplicate_record: { id: other.id },
        more_records: false,
      });
    }
  }
  const now = zohoDateTime(state.now());
  if (match) {
    Object.assign(match.record, data, { Modified_Time: now, Modified_By: USER });
    if (one.workflow) runWorkflow(state, module, match.record, 'update');
    return success(match.record, 'update', match.field);
  }
  const missing = (state.mandatoryFields[module] ?? ['Name']).find((field) => !hasValue(data[field]));
  if (missing) {
    return entryError('MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: missing,
      json_path: `$.data[${index}].${missing}`,
    });
  }
  const record: FakeZohoRecord = {
    ...data,
    id: newRecordId(),
    Created_Time: now,
    Created_By: USER,
    Modified_Time: now,
    Modified_By: USER,
  };
  table.set(record.id, record);
  if (one.workflow) runWorkflow(state, module, record, 'insert');
  return success(record, 'insert', given[0] ?? null);
}

function success(record: FakeZohoRecord, action: 'insert' | 'update', field: string | null) {
  return {
    code: 'SUCCESS',
    duplicate_field: field,
    action,
    details: {
      Modified_Time: record.Modified_Time,
      Modified_By: USER,
      Created_Time: record.Created_Time ?? record.Modified_Time,
      id: record.id,
      Created_By: USER,
    },
    message: action === 'insert' ? 'record added' : 'record updated',
    status: 'success',
  };
}

function hasValue(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Exactly the same value (a lookup `{"id"}` compared by its JSON). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b);
}
