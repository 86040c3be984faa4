import { request } from 'node:http';
import type { FakeWebhookFailure, FakeZohoRecord, FakeZohoState } from './state.js';
import { zohoDateTime } from './state.js';

/**
 * A write without `"trigger": []` runs the module's workflow rules, and so the webhook they call
 * (https://www.zoho.com/crm/developer/docs/api/v8/update-records.html, `trigger`: "workflow", "approval",
 * "blueprint" run when the key is absent; an empty array runs none). The fake's workflow rule posts the record
 * to `state.workflowWebhooks[module]`, like a Zoho webhook, and a delivery that fails is listed in
 * `webhook_failures`.
 */
export function runWorkflow(
  state: FakeZohoState,
  module: string,
  record: FakeZohoRecord,
  operation: 'insert' | 'update' | 'delete' = 'update',
): void {
  state.counts.workflowRuns[module] = (state.counts.workflowRuns[module] ?? 0) + 1;
  const target = state.workflowWebhooks[module];
  if (!target) return;
  const { url, contentType, body } =
    typeof target === 'string'
      ? {
          url: target,
          contentType: 'application/json',
          // A delete's webhook carries only the id: the record can no longer be read (DESIGN.md §10).
          body: JSON.stringify(
            operation === 'delete'
              ? { operation, record_id: record.id }
              : { operation, record_id: record.id, data: record },
          ),
        }
      : { url: target.url, ...target.body(record) };
  const delivery = deliver(url, contentType, body).then(
    (status) => {
      if (status >= 200 && status < 300) state.counts.workflowDeliveries += 1;
      else state.webhookFailures.push(failure(state, module, record, `HTTP ${status}`));
    },
    (error: unknown) => {
      state.webhookFailures.push(failure(state, module, record, String((error as Error).message ?? error)));
    },
  );
  state.pending.workflows.add(delivery);
  void delivery.finally(() => state.pending.workflows.delete(delivery));
}

function deliver(url: string, contentType: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': contentType } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function failure(
  state: FakeZohoState,
  module: string,
  record: FakeZohoRecord,
  reason: string,
): FakeWebhookFailure {
  return {
    id: String(state.webhookFailures.length + 1),
    webhook: { name: `${module} to mzi`, id: '5725767000000500001' },
    entity_details: { name: String(record.Name ?? record.id), id: record.id, module: { api_name: module } },
    failed_time: zohoDateTime(state.now()),
    failure_reason: reason,
  };
}
