import { type Kysely, sql } from 'kysely';
import { type DialectName, dialectAdapter } from '../db/dialect-adapter.js';
import { prepareQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';

/** The latest accepted event of a record (not a duplicate, not an invalid operation). */
export interface LatestEvent {
  event_id: string;
  event_type: string;
  content_hash: string;
  created_at: string;
}

/** The first accepted event that carried a delivery id. */
export interface OriginalEvent {
  event_id: string;
  event_type: string;
}

export type RecordKey = { module: string; recordId: string };

/** A re-delivery key (`dedupKeyOf`: the sender's delivery id, with the record id for an envelope's record). */
export type DeliveryKey = { module: string; deliveryId: string };

/**
 * What the appender reads for one batch of deliveries, each lookup for the whole batch at once.
 * PostgreSQL answers each in one round trip (`unnest` + `LATERAL`, `json_populate_recordset`), so a batch
 * costs a fixed number of round trips however many deliveries it holds; SQLite runs in-process, where a
 * prepared statement per key is the cheapest form. Keys are `keyOf(module, id)`.
 */
export interface AppendLookups {
  latestEvents(trx: Kysely<Database>, keys: readonly RecordKey[]): Promise<Map<string, LatestEvent>>;
  originalEvents(trx: Kysely<Database>, keys: readonly DeliveryKey[]): Promise<Map<string, OriginalEvent>>;
}

export function keyOf(module: string, id: string): string {
  return `${module}\u0000${id}`;
}

/** The lookups for this database's dialect (the one place where the appender's SQL differs). */
export function appendLookupsFor(db: Kysely<Database>): AppendLookups {
  return LOOKUPS[dialectAdapter(db).name];
}

const SQLITE_LOOKUPS: AppendLookups = {
  async latestEvents(trx, keys) {
    const out = new Map<string, LatestEvent>();
    for (const key of keys) {
      const row = (await selectLatestEvent(trx, key)).rows[0];
      if (row) out.set(keyOf(key.module, key.recordId), row);
    }
    return out;
  },
  async originalEvents(trx, keys) {
    const out = new Map<string, OriginalEvent>();
    for (const key of keys) {
      const row = (await selectByDeliveryId(trx, key)).rows[0];
      if (row) out.set(keyOf(key.module, key.deliveryId), row);
    }
    return out;
  },
};

const POSTGRES_LOOKUPS: AppendLookups = {
  async latestEvents(trx, keys) {
    if (keys.length === 0) return new Map();
    const result = await sql<LatestEvent & { module: string; record_id: string }>`
      SELECT k.module, k.record_id, l.event_id, l.event_type, l.content_hash, l.created_at
      FROM unnest(${keys.map((k) => k.module)}::text[], ${keys.map((k) => k.recordId)}::text[])
        AS k(module, record_id)
      CROSS JOIN LATERAL (
        SELECT e.event_id, e.event_type, e.content_hash, e.created_at
        FROM integration_events_log e
        WHERE e.module = k.module AND e.record_id = k.record_id
          AND e.status <> 'duplicate' AND e.event_type <> 'invalid'
        ORDER BY e.id DESC
        LIMIT 1
      ) AS l`.execute(trx);
    return new Map(result.rows.map((row) => [keyOf(row.module, row.record_id), row]));
  },
  async originalEvents(trx, keys) {
    if (keys.length === 0) return new Map();
    const result = await sql<OriginalEvent & { module: string; dedup_key: string }>`
      SELECT k.module, k.dedup_key, o.event_id, o.event_type
      FROM unnest(${keys.map((k) => k.module)}::text[], ${keys.map((k) => k.deliveryId)}::text[])
        AS k(module, dedup_key)
      CROSS JOIN LATERAL (
        SELECT e.event_id, e.event_type
        FROM integration_events_log e
        WHERE e.module = k.module AND e.dedup_key = k.dedup_key AND e.status <> 'duplicate'
        ORDER BY e.id
        LIMIT 1
      ) AS o`.execute(trx);
    return new Map(result.rows.map((row) => [keyOf(row.module, row.dedup_key), row]));
  },
};

const LOOKUPS: Record<DialectName, AppendLookups> = { sqlite: SQLITE_LOOKUPS, postgres: POSTGRES_LOOKUPS };

// SQLite's statements, built once (see prepareQuery).
const selectLatestEvent = prepareQuery((db: Kysely<Database>, p: RecordKey) =>
  db
    .selectFrom('integration_events_log')
    .select(['event_id', 'event_type', 'content_hash', 'created_at'])
    .where('module', '=', p.module)
    .where('record_id', '=', p.recordId)
    .where('status', '!=', 'duplicate')
    .where('event_type', '!=', 'invalid')
    .orderBy('id', 'desc')
    .limit(1),
);

const selectByDeliveryId = prepareQuery((db: Kysely<Database>, p: DeliveryKey) =>
  db
    .selectFrom('integration_events_log')
    .select(['event_id', 'event_type'])
    .where('module', '=', p.module)
    .where('dedup_key', '=', p.deliveryId)
    .where('status', '!=', 'duplicate')
    .orderBy('id')
    .limit(1),
);
