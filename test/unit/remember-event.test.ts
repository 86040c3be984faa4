import { describe, expect, it } from 'vitest';
import type { NewEventRow } from '../../src/db/schema.js';
import { keyOf } from '../../src/webhooks/append-lookups.js';
import type { BatchContext } from '../../src/webhooks/load-batch-context.js';
import { rememberEvent } from '../../src/webhooks/remember-event.js';

describe('rememberEvent', () => {
  const empty = (): BatchContext => ({ latest: new Map(), originals: new Map(), recordsLive: new Map() });
  const row = (overrides: Partial<NewEventRow>) =>
    ({
      event_id: 'e1',
      module: 'M',
      record_id: 'r1',
      event_type: 'update',
      status: 'pending',
      dedup_key: 'd1',
      content_hash: 'h1',
      created_at: '2026-11-28T10:00:00.000Z',
      ...overrides,
    }) as NewEventRow;

  it('makes a queued event the latest of its record and the original of its delivery id', () => {
    const known = empty();
    rememberEvent(known, row({}));
    expect(known.latest.get(keyOf('M', 'r1'))).toEqual({
      event_id: 'e1',
      event_type: 'update',
      content_hash: 'h1',
      created_at: '2026-11-28T10:00:00.000Z',
    });
    expect(known.originals.get(keyOf('M', 'd1'))).toEqual({ event_id: 'e1', event_type: 'update' });
  });

  it('keeps the first original of a delivery id', () => {
    const known = empty();
    rememberEvent(known, row({}));
    rememberEvent(known, row({ event_id: 'e2' }));
    expect(known.originals.get(keyOf('M', 'd1'))?.event_id).toBe('e1');
    expect(known.latest.get(keyOf('M', 'r1'))?.event_id).toBe('e2');
  });

  it('remembers nothing of a duplicate', () => {
    const known = empty();
    rememberEvent(known, row({ status: 'duplicate' }));
    expect(known.latest.size + known.originals.size).toBe(0);
  });

  it('makes a rejected event the original of its delivery id but not the latest of its record', () => {
    const known = empty();
    rememberEvent(known, row({ status: 'failed', event_type: 'invalid' }));
    expect(known.latest.size).toBe(0);
    expect(known.originals.get(keyOf('M', 'd1'))).toEqual({ event_id: 'e1', event_type: 'invalid' });
  });

  it('remembers no delivery id for an event without one', () => {
    const known = empty();
    rememberEvent(known, row({ dedup_key: null }));
    expect(known.originals.size).toBe(0);
    expect(known.latest.size).toBe(1);
  });
});
