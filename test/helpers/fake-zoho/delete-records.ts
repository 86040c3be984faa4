import { invalidModule } from './list-records.js';
import { crmError, type FakeAnswer } from './render.js';
import type { FakeZohoState } from './state.js';
import { runWorkflow } from './workflow.js';
import { entryError, MAX_WRITE_RECORDS, writeStatus } from './write-body.js';

/**
 * `DELETE /crm/v8/{module}?ids=a,b,c&wf_trigger=…` (https://www.zoho.com/crm/developer/docs/api/v8/delete-records.html;
 * zoho/crm-oas v8.0 record.json, deleteRecords): at most 100 ids; each gets
 * `{"code":"SUCCESS","details":{"id"},"message":"record deleted","status":"success"}`, or for an id with no record
 * `{"code":"INVALID_DATA","details":{"id"},"message":"record not deleted","status":"error"}`. All deleted is 200,
 * some 207, none 400; no `ids` is REQUIRED_PARAM_MISSING. Deleted records go to the recycle bin, so
 * `GET /{module}/deleted` lists them. The module's workflow rules run unless `wf_trigger=false`.
 */
export function deleteRecords(state: FakeZohoState, module: string, query: URLSearchParams): FakeAnswer {
  const table = state.modules.get(module);
  if (!table) return invalidModule();
  const ids = (query.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length === 0) {
    return crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: 'ids',
    });
  }
  if (ids.length > MAX_WRITE_RECORDS) {
    return crmError(400, 'LIMIT_EXCEEDED', 'the limit of records that can be given has been exceeded', {
      limit: MAX_WRITE_RECORDS,
    });
  }
  const workflow = query.get('wf_trigger') !== 'false';
  const results = ids.map((id) => {
    const record = table.get(id);
    if (!record) return entryError('INVALID_DATA', 'record not deleted', { id });
    state.remove(module, id);
    if (workflow) runWorkflow(state, module, record, 'delete');
    return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
  });
  return { status: writeStatus(results), json: { data: results } };
}
