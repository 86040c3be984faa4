import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../db/dialect.js';
import { prepareQuery } from '../db/prepared-query.js';
import type { Database, NewEventRow } from '../db/schema.js';

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

export type DeliveryKey = { module: string; deliveryId: string };

/**
 * What the appender reads and writes for one batch of deliveries, each lookup for the whole batch at once.
 * PostgreSQL answers each in one round trip (`unnest` + `LATERAL`, `json_populate_recordset`), so a batch
 * costs a fixed number of round trips however many deliveries it holds; SQLite runs in-process, where a
 * prepared statement per key is the cheapest form. Keys are `keyOf(module, id)`.
 */
export interface AppendLookups {
  latestEvents(trx: Kysely<Database>, keys: readonly RecordKey[]): Promise<Map<string, LatestEvent>>;
  originalEvents(trx: Kysely<Database>, keys: readonly DeliveryKey[]): Promise<Map<string, OriginalEvent>>;
  insertEvents(trx: Kysely<Database>, rows: readonly NewEventRow[]): Promise<void>;
}

export function keyOf(module: string, id: string): string {
  return `${module}\u0000${id}`;
}

/** The lookups for this database's dialect (the one place where the appender's SQL differs). */
export function appendLookupsFor(db: Kysely<Database>): AppendLookups {
  return dialectOf(db) === 'postgres' ? POSTGRES_LOOKUPS : SQLITE_LOOKUPS;
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
  async insertEvents(trx, rows) {
    for (const row of rows) await insertEvent(trx, row);
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
  async insertEvents(trx, rows) {
    if (rows.length === 0) return;
    // One statement and one parameter for the whole batch; ids come from the serial default, in row order.
    await sql`
      INSERT INTO integration_events_log (${sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)))})
      SELECT ${sql.join(EVENT_COLUMNS.map((c) => sql.ref(`r.${c}`)))}
      FROM json_populate_recordset(NULL::integration_events_log, ${rowsAsJson(rows)}::json)
        WITH ORDINALITY AS r
      ORDER BY r.ordinality`.execute(trx);
  },
};

/**
 * The rows as one JSON text for `json_populate_recordset`. JSON.stringify writes a lone surrogate as a `\ud800`
 * escape, which PostgreSQL refuses to turn into text; a text parameter would have been stored with U+FFFD in its
 * place, so do the same here. Intake refuses such values in the fields it reads; this covers the rest (the
 * names of fields it does not know, quoted in warnings).
 */
function rowsAsJson(rows: readonly object[]): string {
  const json = JSON.stringify(rows);
  if (!/\\ud[89a-f]/i.test(json)) return json;
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'string' ? value.toWellFormed() : value,
  );
}

const EVENT_COLUMNS = [
  'event_id',
  'source',
  'module',
  'event_type',
  'record_id',
  'status',
  'error_message',
  'error_code',
  'created_at',
  'updated_at',
  'processed_at',
  'payload',
  'raw_body',
  'content_type',
  'headers',
  'dedup_key',
  'content_hash',
  'duplicate_of',
  'warnings',
  'result',
  'attempts',
  'max_attempts',
  'next_attempt_at',
  'locked_by',
  'locked_until',
  'request_method',
  'request_url',
  'auth_method',
  'received_at',
  'stored_ms',
  'response_status',
  'response_body',
  'academic_email',
  'student_id_number',
] as const satisfies ReadonlyArray<keyof NewEventRow>;

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

/** The insert of one event row, every column mzi writes. */
export const insertEvent = prepareQuery((db: Kysely<Database>, p: NewEventRow) =>
  db
    .insertInto('integration_events_log')
    .values(Object.fromEntries(EVENT_COLUMNS.map((column) => [column, p[column]])) as NewEventRow),
);
