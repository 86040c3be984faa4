import { invalidModule } from './list-records.js';
import type { FakeAnswer } from './render.js';
import type { FakeZohoState } from './state.js';

/**
 * `GET /crm/v8/{module}/{id}` (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html, "To get a
 * specific record"): `{"data":[record]}`; a record that is not there (deleted, or never existed) is
 * 204 No Content (https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html).
 */
export function getRecord(state: FakeZohoState, module: string, id: string): FakeAnswer {
  const table = state.modules.get(module);
  if (!table) return invalidModule();
  const record = table.get(id);
  if (!record) return { status: 204 };
  return { status: 200, json: { data: [{ ...record }] } };
}
