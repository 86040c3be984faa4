import { invalidModule } from './list-records.js';
import { crmError, type FakeAnswer } from './render.js';
import type { FakeZohoState } from './state.js';

const MAX_PER_PAGE = 200;

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
  const perPage = Math.min(Number(query.get('per_page') ?? MAX_PER_PAGE) || MAX_PER_PAGE, MAX_PER_PAGE);
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const slice = rows.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    json: {
      data: slice,
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < rows.length },
    },
  };
}
