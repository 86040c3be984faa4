import { invalidModule } from './list-records.js';
import { crmError, type FakeAnswer } from './render.js';
import { type FakeZohoState, zohoDateTime } from './state.js';
import { runWorkflow } from './workflow.js';

const MAX_RECORDS = 100;
const USER = { name: 'Zoho Admin', id: '5725767000000411001' };
/** Fields Zoho sets itself: a write may not change them. */
const SYSTEM_FIELDS = new Set(['Created_Time', 'Modified_Time', 'Created_By', 'Modified_By']);

/**
 * `PUT /crm/v8/{module}` with `{"data":[…], "trigger":[…]}`
 * (https://www.zoho.com/crm/developer/docs/api/v8/update-records.html): at most 100 records; each gets its own
 * `{"code","details","message","status"}`, in order. All updated is 200, some 207 (multi-status), none 400.
 */
export function updateRecords(state: FakeZohoState, module: string, bodyText: string): FakeAnswer {
  const table = state.modules.get(module);
  if (!table) return invalidModule();
  let body: { data?: unknown; trigger?: unknown };
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
  if (body.data.length > MAX_RECORDS) {
    return crmError(400, 'LIMIT_EXCEEDED', 'the limit of records that can be given has been exceeded', {
      limit: MAX_RECORDS,
    });
  }
  const runsWorkflow =
    body.trigger === undefined || (Array.isArray(body.trigger) && body.trigger.includes('workflow'));
  const results = body.data.map((item: unknown, index: number) => {
    const fields = (item ?? {}) as Record<string, unknown>;
    const id = typeof fields.id === 'string' ? fields.id : undefined;
    if (!id)
      return entryError('MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: 'id',
        json_path: `$.data[${index}].id`,
      });
    const record = table.get(id);
    if (!record) return entryError('INVALID_DATA', 'the id given seems to be invalid', { id });
    const system = Object.keys(fields).find((name) => SYSTEM_FIELDS.has(name));
    if (system)
      return entryError('INVALID_DATA', 'invalid data', {
        api_name: system,
        json_path: `$.data[${index}].${system}`,
      });
    const now = state.now();
    Object.assign(record, fields, { Modified_Time: zohoDateTime(now), Modified_By: USER });
    if (runsWorkflow) runWorkflow(state, module, record);
    return {
      code: 'SUCCESS',
      details: {
        Modified_Time: record.Modified_Time,
        Modified_By: USER,
        Created_Time: record.Created_Time ?? record.Modified_Time,
        id,
        Created_By: USER,
      },
      message: 'record updated',
      status: 'success',
    };
  });
  const ok = results.filter((result) => result.status === 'success').length;
  const status = ok === results.length ? 200 : ok === 0 ? 400 : 207;
  return { status, json: { data: results } };
}

function entryError(code: string, message: string, details: Record<string, unknown>) {
  return { code, details, message, status: 'error' };
}
