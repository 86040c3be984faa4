import { type FakeAnswer, pageOf } from './render.js';
import type { FakeZohoState } from './state.js';

/**
 * `GET /crm/v8/settings/automation/webhook_failures?page=…&per_page=…`
 * (https://www.zoho.com/crm/developer/docs/api/v8/get-webhook-failures.html): a `webhook_failures` array whose
 * entries name the `webhook` and the record (`entity_details`); the last 30 days by default.
 */
export function listWebhookFailures(state: FakeZohoState, query: URLSearchParams): FakeAnswer {
  const cutoff = state.now() - 30 * 24 * 3600_000;
  const rows = state.webhookFailures.filter((row) => Date.parse(row.failed_time) >= cutoff);
  return pageOf(rows, query, 'webhook_failures');
}
