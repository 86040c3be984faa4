import { describe, expect, it } from 'vitest';
import { batchLookupKeys } from '../../src/webhooks/load-batch-context.js';
import type { NormalizedDelivery } from '../../src/webhooks/normalize-delivery.js';

function delivery(recordId: string, overrides: Partial<NormalizedDelivery> = {}): NormalizedDelivery {
  return {
    module: 'M',
    recordId,
    operation: 'update',
    operationSource: 'query',
    invalidOperation: undefined,
    data: {},
    deliveryId: undefined,
    warnings: [],
    format: 'json',
    ...overrides,
  };
}

describe('batchLookupKeys', () => {
  it('reads the history of records without a delivery id or without an operation, and each delivery id', () => {
    const keys = batchLookupKeys([
      delivery('r1'),
      delivery('r2', { deliveryId: 'd2' }),
      delivery('r3', { deliveryId: 'd3', operation: undefined }),
      delivery('r1', { deliveryId: 'd2' }),
    ]);
    expect(keys.records).toEqual([
      { module: 'M', recordId: 'r1' },
      { module: 'M', recordId: 'r3' },
    ]);
    // Each key once, however many deliveries of the batch name it.
    expect(keys.deliveryIds).toEqual([
      { module: 'M', deliveryId: 'd2' },
      { module: 'M', deliveryId: 'd3' },
    ]);
  });

  it('keeps the same record id of two modules apart', () => {
    const keys = batchLookupKeys([delivery('r1'), delivery('r1', { module: 'N' })]);
    expect(keys.records).toHaveLength(2);
  });
});
