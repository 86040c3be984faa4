import { type Kysely, sql } from 'kysely';
import { type DialectName, dialectAdapter } from '../db/dialect-adapter.js';
import { prepareQuery } from '../db/prepared-query.js';
import type { Database, NewEventRow } from '../db/schema.js';

/**
 * Appends event rows, in order, in the caller's transaction, and announces them to the workers of other
 * processes when it commits if any is pending. PostgreSQL writes the batch in one statement; SQLite, in-process,
 * runs a prepared insert per row, its cheapest form.
 */
export async function appendEvents(trx: Kysely<Database>, rows: readonly NewEventRow[]): Promise<void> {
  const adapter = dialectAdapter(trx);
  await INSERTS[adapter.name](trx, rows);
  if (rows.some((row) => row.status === 'pending')) await adapter.announceNewEvents(trx);
}

type InsertRows = (trx: Kysely<Database>, rows: readonly NewEventRow[]) => Promise<void>;

const INSERTS: Record<DialectName, InsertRows> = {
  async sqlite(trx, rows) {
    for (const row of rows) await insertEvent(trx, row);
  },
  async postgres(trx, rows) {
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
  'delivery_id',
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
  'search_key_1',
  'search_key_2',
] as const satisfies ReadonlyArray<keyof NewEventRow>;

/** The insert of one event row, every column mzi writes. */
const insertEvent = prepareQuery((db: Kysely<Database>, p: NewEventRow) =>
  db
    .insertInto('integration_events_log')
    .values(Object.fromEntries(EVENT_COLUMNS.map((column) => [column, p[column]])) as NewEventRow),
);
