import type { NewEventRow } from '../db/schema.js';
import { keyOf } from './append-lookups.js';
import type { BatchContext } from './load-batch-context.js';

/**
 * Adds an event row of the batch to `known`, as if it were already in the log, so that the next deliveries of
 * the batch see it; the same rules as the lookups' queries (a duplicate is no original, an invalid operation is
 * no record's latest event).
 */
export function rememberEvent(known: BatchContext, row: NewEventRow): void {
  if (row.status === 'duplicate') return;
  if (row.dedup_key !== null && row.dedup_key !== undefined) {
    const deliveryKey = keyOf(row.module, row.dedup_key);
    if (!known.originals.has(deliveryKey))
      known.originals.set(deliveryKey, { event_id: row.event_id, event_type: row.event_type });
  }
  if (row.event_type !== 'invalid')
    known.latest.set(keyOf(row.module, row.record_id), {
      event_id: row.event_id,
      event_type: row.event_type,
      content_hash: row.content_hash,
      created_at: row.created_at,
    });
}
