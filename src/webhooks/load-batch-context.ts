import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findModuleByApiName, type ZohoModule } from '../modules/index.js';
import {
  type AppendLookups,
  type DeliveryKey,
  keyOf,
  type LatestEvent,
  type OriginalEvent,
  type RecordKey,
} from './append-lookups.js';
import { dedupKeyOf, type NormalizedDelivery } from './normalize-delivery.js';

/** What the log and the modules' mirrors hold for the records and delivery ids of a batch. */
export interface BatchContext {
  /** The latest accepted event of each record, by `keyOf(module, recordId)`. */
  latest: Map<string, LatestEvent>;
  /** The first accepted event of each delivery id, by `keyOf(module, deliveryId)`. */
  originals: Map<string, OriginalEvent>;
  /** Whether each record the log has no history of is live in its module's mirror, by `keyOf(module, recordId)`. */
  recordsLive: Map<string, boolean>;
}

/** The records and delivery ids whose history the classification of these deliveries reads. */
export function batchLookupKeys(
  deliveries: readonly Pick<
    NormalizedDelivery,
    'module' | 'recordId' | 'deliveryId' | 'envelope' | 'operation'
  >[],
): {
  records: RecordKey[];
  deliveryIds: DeliveryKey[];
} {
  const records = new Map<string, RecordKey>();
  const deliveryIds = new Map<string, DeliveryKey>();
  for (const n of deliveries) {
    // The latest event of the record serves the content dedup (no delivery id) and the inference of a missing
    // operation; a delivery with both a delivery id and an operation needs neither.
    const dedupKey = dedupKeyOf(n);
    if (dedupKey === undefined || n.operation === undefined)
      records.set(keyOf(n.module, n.recordId), { module: n.module, recordId: n.recordId });
    if (dedupKey !== undefined)
      deliveryIds.set(keyOf(n.module, dedupKey), { module: n.module, deliveryId: dedupKey });
  }
  return { records: [...records.values()], deliveryIds: [...deliveryIds.values()] };
}

/** Reads the batch's context in the appender's transaction (see AppendLookups). */
export async function loadBatchContext(
  trx: Kysely<Database>,
  lookups: AppendLookups,
  deliveries: readonly NormalizedDelivery[],
  modules: readonly ZohoModule[],
): Promise<BatchContext> {
  const keys = batchLookupKeys(deliveries);
  const latest = await lookups.latestEvents(trx, keys.records);
  const originals = await lookups.originalEvents(trx, keys.deliveryIds);
  // Only records without an operation and without history need their module's mirror.
  const unknown = new Map<string, Set<string>>();
  for (const n of deliveries) {
    if (n.operation !== undefined || latest.has(keyOf(n.module, n.recordId))) continue;
    const ids = unknown.get(n.module) ?? new Set<string>();
    unknown.set(n.module, ids.add(n.recordId));
  }
  const recordsLive = new Map<string, boolean>();
  for (const [moduleName, recordIds] of unknown) {
    const module = findModuleByApiName(moduleName, modules);
    if (!module) continue;
    for (const [recordId, live] of await module.knownRecords(trx, [...recordIds]))
      recordsLive.set(keyOf(moduleName, recordId), live);
  }
  return { latest, originals, recordsLive };
}
