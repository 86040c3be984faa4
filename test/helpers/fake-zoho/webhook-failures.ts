import type { FakeAnswer } from './render.js';
import type { FakeZohoState } from './state.js';

const MAX_PER_PAGE = 200;

/**
 * `GET /crm/v8/settings/automation/webhook_failures?page=…&per_page=…`
 * (https://www.zoho.com/crm/developer/docs/api/v8/get-webhook-failures.html): a `webhook_failures` array whose
 * entries name the `webhook` and the record (`entity_details`); the last 30 days by default.
 */
export function listWebhookFailures(state: FakeZohoState, query: URLSearchParams): FakeAnswer {
  const cutoff = state.now() - 30 * 24 * 3600_000;
  const rows = state.webhookFailures.filter((row) => Date.parse(row.failed_time) >= cutoff);
  const perPage = Math.min(Number(query.get('per_page') ?? MAX_PER_PAGE) || MAX_PER_PAGE, MAX_PER_PAGE);
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const slice = rows.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    json: {
      webhook_failures: slice,
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < rows.length },
    },
  };
}
