import { randomBytes } from 'node:crypto';
import { crmError, type FakeAnswer, perPageOf } from './render.js';
import type { FakeZohoRecord, FakeZohoState } from './state.js';

const MAX_FIELDS = 50;
/** Plain `page` paging stops at the 2,000th record; `page_token` goes on. */
const DISCRETE_LIMIT = 2000;
const PAGE_TOKEN_LIFE_MS = 24 * 3600_000;

/**
 * `GET /crm/v8/{module}?fields=…&per_page=…&page=…|page_token=…&sort_by=…&sort_order=…` with `If-Modified-Since`.
 * https://www.zoho.com/crm/developer/docs/api/v8/get-records.html: `fields` is required (at most 50); `per_page`
 * at most 200; `page` beyond 2,000 records is DISCRETE_PAGINATION_LIMIT_EXCEEDED, `page_token` (valid a day)
 * goes further; `If-Modified-Since` lists records modified after that time, and nothing changed is
 * 304 Not Modified; no records is 204 No Content. Each page says `info.more_records` and, with more,
 * `info.next_page_token`.
 */
export function listRecords(
  state: FakeZohoState,
  module: string,
  query: URLSearchParams,
  ifModifiedSince: string | undefined,
): FakeAnswer {
  const table = state.modules.get(module);
  if (!table) return invalidModule();
  const perPage = perPageOf(query);
  const pageToken = query.get('page_token');
  if (pageToken) return nextPage(state, table, pageToken, perPage);

  const fields = (query.get('fields') ?? '').split(',').filter(Boolean);
  if (fields.length === 0) {
    return crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param: 'fields',
    });
  }
  if (fields.length > MAX_FIELDS) {
    return crmError(400, 'LIMIT_EXCEEDED', 'Max field limit exceeded', {
      limit: MAX_FIELDS,
      param: 'fields',
    });
  }
  const page = Number(query.get('page') ?? 1);
  if (page * perPage > DISCRETE_LIMIT) {
    return crmError(
      400,
      'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
      'The number of records you can fetch with the page param is limited to 2000; use page_token',
      { limit: DISCRETE_LIMIT },
    );
  }
  const since = ifModifiedSince ? Date.parse(ifModifiedSince) : undefined;
  if (since !== undefined && Number.isNaN(since)) {
    return crmError(400, 'INVALID_DATA', 'invalid data', { header: 'If-Modified-Since' });
  }
  const ids = sortedIds(table, since, query.get('sort_by') ?? 'id', query.get('sort_order') ?? 'desc');
  if (ids.length === 0) return { status: since === undefined ? 204 : 304 };
  const start = (page - 1) * perPage;
  const slice = ids.slice(start, start + perPage);
  const more = start + perPage < ids.length;
  const info: Record<string, unknown> = { per_page: perPage, count: slice.length, page, more_records: more };
  if (more) info.next_page_token = issuePageToken(state, module, ids, start + perPage, fields);
  return { status: 200, json: { data: slice.map((id) => pick(table.get(id), fields)), info } };
}

function nextPage(
  state: FakeZohoState,
  table: Map<string, FakeZohoRecord>,
  pageToken: string,
  perPage: number,
): FakeAnswer {
  const cursor = state.pageTokens.get(pageToken);
  if (!cursor || cursor.expiresAt < state.now()) {
    return crmError(400, 'INVALID_DATA', 'invalid data', { param: 'page_token' });
  }
  // A record deleted since the first page is no longer listed.
  const ids = cursor.ids.slice(cursor.offset).filter((id) => table.has(id));
  const slice = ids.slice(0, perPage);
  const more = ids.length > perPage;
  const info: Record<string, unknown> = { per_page: perPage, count: slice.length, more_records: more };
  if (more) info.next_page_token = issuePageToken(state, cursor.module, ids, perPage, cursor.fields);
  return { status: 200, json: { data: slice.map((id) => pick(table.get(id), cursor.fields)), info } };
}

function sortedIds(
  table: Map<string, FakeZohoRecord>,
  since: number | undefined,
  sortBy: string,
  sortOrder: string,
): string[] {
  const records = [...table.values()].filter(
    (record) => since === undefined || Date.parse(record.Modified_Time) > since,
  );
  const key = (record: FakeZohoRecord) => String(record[sortBy] ?? '');
  records.sort((a, b) => {
    const byKey =
      sortBy === 'id'
        ? compareIds(a.id, b.id)
        : Date.parse(key(a)) - Date.parse(key(b)) || key(a).localeCompare(key(b));
    return byKey || compareIds(a.id, b.id);
  });
  if (sortOrder === 'desc') records.reverse();
  return records.map((record) => record.id);
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || a.localeCompare(b);
}

function issuePageToken(
  state: FakeZohoState,
  module: string,
  ids: string[],
  offset: number,
  fields: string[],
): string {
  const token = randomBytes(24).toString('hex');
  state.pageTokens.set(token, { module, ids, offset, fields, expiresAt: state.now() + PAGE_TOKEN_LIFE_MS });
  return token;
}

/** The requested fields of a record, and always its `id`. */
function pick(record: FakeZohoRecord | undefined, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: record?.id };
  for (const field of fields) if (record && field in record) out[field] = record[field];
  return out;
}

export function invalidModule(): FakeAnswer {
  return crmError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', {
    resource_path_index: 0,
  });
}
