import { invalidModule } from './list-records.js';
import { crmError, type FakeAnswer, pageOf } from './render.js';
import type { FakeZohoState } from './state.js';

/**
 * `GET /crm/v8/{module}/deleted?type=all|recycle|permanent&page=…&per_page=…` with `If-Modified-Since`
 * (https://www.zoho.com/crm/developer/docs/api/v8/get-deleted-records.html): `data` of
 * `{deleted_by, id, display_name, type, created_by, deleted_time}` and `info.more_records`; none is 204.
 */
export function listDeleted(
  state: FakeZohoState,
  module: string,
  query: URLSearchParams,
  ifModifiedSince: string | undefined,
): FakeAnswer {
  if (!state.modules.has(module)) return invalidModule();
  const type = query.get('type') ?? 'all';
  if (!['all', 'recycle', 'permanent'].includes(type)) {
    return crmError(400, 'INVALID_DATA', 'invalid data', { param: 'type' });
  }
  const since = ifModifiedSince ? Date.parse(ifModifiedSince) : undefined;
  const rows = (state.deleted.get(module) ?? [])
    .filter((row) => type === 'all' || row.type === type)
    .filter((row) => since === undefined || Date.parse(row.deleted_time) > since)
    .sort((a, b) => Date.parse(b.deleted_time) - Date.parse(a.deleted_time));
  return pageOf(rows, query, 'data');
}
