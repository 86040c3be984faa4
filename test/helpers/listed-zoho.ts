import type { ZohoApi, ZohoDeletedRecord, ZohoRecord } from '../../src/zoho/zoho-api.js';

/**
 * A ZohoApi over records held in memory, listing them as Zoho's API does for sync (oldest change first,
 * `page_token` pages, deleted records by page), for the tests of the sync's own logic; the HTTP client and its
 * fake server are tested on their own. `failAfterPages` makes the next listing calls throw after that many.
 */
export function listedZoho(options: { records?: ZohoRecord[]; deleted?: ZohoDeletedRecord[] } = {}) {
  const state = {
    records: new Map((options.records ?? []).map((record) => [record.id, record])),
    deleted: [...(options.deleted ?? [])],
    calls: 0,
    failAfterPages: undefined as number | undefined,
    failWith: undefined as Error | undefined,
  };
  const failIfDue = () => {
    state.calls += 1;
    if (state.failAfterPages !== undefined && state.calls > state.failAfterPages)
      throw state.failWith ?? new Error('listing failed on purpose');
  };
  const api: ZohoApi = {
    async getRecord(_module, id) {
      return state.records.get(id);
    },
    async updateRecords() {
      throw new Error('not used by sync');
    },
    async upsertRecords() {
      throw new Error('not used by sync');
    },
    async deleteRecords() {
      throw new Error('not used by sync');
    },
    async listRecords(_module, { modifiedSince, pageToken, perPage }) {
      failIfDue();
      const since = modifiedSince ? Date.parse(modifiedSince) : -Infinity;
      const all = [...state.records.values()]
        .filter((record) => Date.parse(String(record.Modified_Time)) >= since)
        .sort((a, b) => Date.parse(String(a.Modified_Time)) - Date.parse(String(b.Modified_Time)));
      const start = pageToken ? Number(pageToken) : 0;
      const size = perPage ?? 200;
      const records = all.slice(start, start + size);
      const more = start + size < all.length;
      return { records, more, nextPageToken: more ? String(start + size) : undefined };
    },
    async listDeletedRecords(_module, { deletedSince, page }) {
      failIfDue();
      const since = deletedSince ? Date.parse(deletedSince) : -Infinity;
      const all = state.deleted.filter((record) => Date.parse(record.deletedTime) >= since);
      const start = ((page ?? 1) - 1) * 200;
      return { records: all.slice(start, start + 200), more: start + 200 < all.length };
    },
    async listWebhookFailures() {
      return [];
    },
  };
  return { api, state };
}

/** A Zoho time `minutes` after a fixed start, as Zoho writes them. */
export function zohoTime(minutes: number): string {
  return `${new Date(Date.UTC(2026, 11, 1, 8, 0, 0) + minutes * 60_000).toISOString().slice(0, 19)}+00:00`;
}
