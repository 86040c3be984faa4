import { describe, expect, it } from 'vitest';
import { keyOf } from '../../src/webhooks/append-lookups.js';
import {
  type ClassifyInput,
  classifyDelivery,
  inferOperation,
} from '../../src/webhooks/classify-delivery.js';
import type { BatchContext } from '../../src/webhooks/load-batch-context.js';
import { contentHash, type NormalizedDelivery } from '../../src/webhooks/normalize-delivery.js';

const AT = new Date('2026-11-28T10:00:00.000Z');
const MODULE = 'BTEC_Students';

function delivery(overrides: Partial<NormalizedDelivery> = {}): NormalizedDelivery {
  return {
    module: MODULE,
    recordId: 'r1',
    operation: 'update',
    operationSource: 'query',
    invalidOperation: undefined,
    data: { City: 'Beirut' },
    deliveryId: undefined,
    warnings: [],
    format: 'json',
    ...overrides,
  };
}

function emptyContext(): BatchContext {
  return { latest: new Map(), originals: new Map(), recordsLive: new Map() };
}

function classify(n: NormalizedDelivery, known: BatchContext, extra: Partial<ClassifyInput> = {}) {
  return classifyDelivery({
    delivery: n,
    contentHash: 'hash-a',
    known,
    at: AT,
    dedupWindowSeconds: 60,
    ...extra,
  });
}

/** A context whose log holds one accepted event of record r1, stored `secondsAgo` before AT. */
function withLatest(eventType: string, contentHash: string, secondsAgo: number): BatchContext {
  const known = emptyContext();
  known.latest.set(keyOf(MODULE, 'r1'), {
    event_id: 'e-latest',
    event_type: eventType,
    content_hash: contentHash,
    created_at: new Date(AT.getTime() - secondsAgo * 1000).toISOString(),
  });
  return known;
}

describe('classifyDelivery', () => {
  it('queues a delivery with an operation and no history under the sent operation', () => {
    const c = classify(delivery(), emptyContext());
    expect(c).toEqual({
      status: 'queued',
      eventType: 'update',
      operationSource: 'query',
      original: undefined,
      errorMessage: undefined,
      warnings: [],
    });
  });

  it('marks a delivery whose delivery id the log already holds as a duplicate of that event', () => {
    const known = emptyContext();
    known.originals.set(keyOf(MODULE, 'd1'), { event_id: 'e-first', event_type: 'insert' });
    const c = classify(delivery({ deliveryId: 'd1', operation: 'update' }), known);
    expect(c.status).toBe('duplicate');
    expect(c.original?.event_id).toBe('e-first');
    // A duplicate keeps the original's operation, not the one it was sent with.
    expect(c.eventType).toBe('insert');
  });

  it('does not match delivery ids across modules', () => {
    const known = emptyContext();
    known.originals.set(keyOf('Other_Module', 'd1'), { event_id: 'e-other', event_type: 'insert' });
    expect(classify(delivery({ deliveryId: 'd1' }), known).status).toBe('queued');
  });

  it('queues a new delivery id even when its content equals the latest event of the record', () => {
    const c = classify(delivery({ deliveryId: 'd2' }), withLatest('update', 'hash-a', 1));
    expect(c.status).toBe('queued');
  });

  it('marks the same content as the latest event within the window as a duplicate', () => {
    const c = classify(delivery(), withLatest('update', 'hash-a', 60));
    expect(c.status).toBe('duplicate');
    expect(c.original?.event_id).toBe('e-latest');
  });

  it('queues the same content again once the dedup window has passed', () => {
    expect(classify(delivery(), withLatest('update', 'hash-a', 61)).status).toBe('queued');
  });

  it('queues content that differs from the latest event of the record', () => {
    expect(classify(delivery(), withLatest('update', 'hash-b', 1)).status).toBe('queued');
  });

  it('rejects an operation it does not know, naming it and the accepted spellings', () => {
    const c = classify(delivery({ operation: undefined, invalidOperation: 'upsert' }), emptyContext());
    expect(c.status).toBe('rejected');
    expect(c.eventType).toBe('invalid');
    expect(c.errorMessage).toContain('Operation "upsert" is not allowed');
    expect(c.errorMessage).toContain('accepted spellings: insert, create');
  });

  it('still marks a repeated delivery id with an unknown operation as a duplicate rather than rejecting it', () => {
    const known = emptyContext();
    known.originals.set(keyOf(MODULE, 'd1'), { event_id: 'e-first', event_type: 'invalid' });
    const c = classify(
      delivery({ deliveryId: 'd1', operation: undefined, invalidOperation: 'upsert' }),
      known,
    );
    expect(c.status).toBe('duplicate');
    expect(c.errorMessage).toBeUndefined();
  });

  it.each([
    ['insert', 'update'],
    ['update', 'update'],
    ['delete', 'insert'],
  ] as const)('infers a missing operation from the latest event (%s -> %s) and warns', (latest, inferred) => {
    const n = delivery({ operation: undefined, operationSource: undefined, warnings: ['earlier warning'] });
    const c = classify(n, withLatest(latest, 'hash-b', 1));
    expect(c).toMatchObject({ status: 'queued', eventType: inferred, operationSource: 'inferred' });
    expect(c.warnings).toEqual([
      'earlier warning',
      `No operation was sent; inferred "${inferred}" from what mzi knows of record r1. ` +
        'Give each Zoho webhook a fixed ?operation=insert|update|delete.',
    ]);
    // The delivery's own warnings are copied, not appended to.
    expect(n.warnings).toEqual(['earlier warning']);
  });

  it.each([
    [true, 'update'],
    [false, 'insert'],
    [undefined, 'insert'],
  ] as const)('without history, infers from the mirror (live: %s -> %s)', (live, inferred) => {
    const known = emptyContext();
    if (live !== undefined) known.recordsLive.set(keyOf(MODULE, 'r1'), live);
    const c = classify(delivery({ operation: undefined, operationSource: undefined }), known);
    expect(c.eventType).toBe(inferred);
  });

  it('does not change the context it reads', () => {
    const known = withLatest('update', 'hash-b', 1);
    classify(delivery({ deliveryId: 'd9' }), known);
    expect(known.originals.size).toBe(0);
    expect(known.latest.get(keyOf(MODULE, 'r1'))?.event_id).toBe('e-latest');
  });
});

describe('inferOperation', () => {
  it('prefers the log over the mirror', () => {
    expect(inferOperation('delete', true)).toBe('insert');
    expect(inferOperation('update', false)).toBe('update');
  });
});

describe('classifyDelivery of a body with the record id alone', () => {
  const at = new Date('2026-12-07T10:00:00.000Z');
  const known = (hash: string) => ({
    ...emptyContext(),
    latest: new Map([
      [
        keyOf(MODULE, 'r1'),
        { event_id: 'evt_1', event_type: 'update', content_hash: hash, created_at: at.toISOString() },
      ],
    ]),
  });

  it('never takes an id-only insert or update for a re-delivery: two of them are two changes', () => {
    const bare = delivery({ data: {} });
    const hash = contentHash(bare);
    const result = classifyDelivery({
      delivery: bare,
      contentHash: hash,
      known: known(hash),
      at,
      dedupWindowSeconds: 3600,
    });
    expect(result.status).toBe('queued');
  });

  it('still takes an id-only delete, and a body with fields, for a re-delivery of the same content', () => {
    for (const again of [delivery({ data: {}, operation: 'delete' }), delivery()]) {
      const hash = contentHash(again);
      const result = classifyDelivery({
        delivery: again,
        contentHash: hash,
        known: known(hash),
        at,
        dedupWindowSeconds: 3600,
      });
      expect(result.status).toBe('duplicate');
    }
  });
});
