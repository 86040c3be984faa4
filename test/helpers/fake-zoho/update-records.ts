import { invalidModule } from './list-records.js';
import type { FakeAnswer } from './render.js';
import { type FakeZohoState, zohoDateTime } from './state.js';
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

/**
 * `PUT /crm/v8/{module}` with `{"data":[…], "trigger":[…]}`
 * (https://www.zoho.com/crm/developer/docs/api/v8/update-records.html): at most 100 records; each gets its own
 * `{"code","details","message","status"}`, in order. All updated is 200, some 207 (multi-status), none 400.
 */
export function updateRecords(state: FakeZohoState, module: string, bodyText: string): FakeAnswer {
  const table = state.modules.get(module);
  if (!table) return invalidModule();
  const body = readWriteBody(bodyText);
  if (isRefusal(body)) return body;
  const workflow = runsWorkflow(body.trigger);
  const results = body.data.map((fields, index) => {
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
    if (workflow) runWorkflow(state, module, record);
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
  return { status: writeStatus(results), json: { data: results } };
}
