import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/create-metrics.js';

describe('Zoho metrics', () => {
  it('counts Zoho API calls by type and outcome, and the credits they cost', async () => {
    const metrics = createMetrics();
    metrics.zohoCall({ callType: 'get_record', outcome: 'ok', seconds: 0.2, credits: 1 });
    metrics.zohoCall({ callType: 'get_record', outcome: 'ok', seconds: 0.1, credits: 1 });
    metrics.zohoCall({ callType: 'update_records', outcome: 'rate_limited', seconds: 0.1, credits: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('mzi_zoho_api_calls_total{call="get_record",outcome="ok"} 2');
    expect(text).toContain('mzi_zoho_api_calls_total{call="update_records",outcome="rate_limited"} 1');
    expect(text).toContain('mzi_zoho_api_credits_total{call="get_record"} 2');
    expect(text).not.toContain('mzi_zoho_api_credits_total{call="update_records"}');
  });
});
