import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../db/schema.js';
import type { RecordData } from '../modules/zoho-module.js';
import type { FetchedRecord } from '../worker/fetch-records.js';
import type { ZohoModuleLink } from '../worker/zoho-link.js';
import { withWriteBacks } from './write-back-table.js';

/** What an event's outcome says of its write-back when it completes; the dashboard shows how it went on. */
export interface WriteBackSummary {
  /** `pending`: queued, as some field differs from what Zoho holds; `unchanged`: Zoho holds these already. */
  readonly status: 'pending' | 'unchanged';
  /** The values mzi holds, by field. */
  readonly fields: Readonly<Record<string, string>>;
  /** Of them, the ones queued (pending). */
  readonly changed: readonly string[];
}

export interface QueueWriteBackInput {
  link: ZohoModuleLink;
  event: Pick<ClaimedEvent, 'event_id' | 'module' | 'record_id' | 'payload'>;
  /** The record as the worker read it from Zoho, when it did. */
  fetched: FetchedRecord | undefined;
  now: string;
}

/**
 * Queues the write-back of a completed event's record, in the transaction that completes it, when a field
 * differs from what Zoho holds: the record the worker fetched, else the webhook's data, else the value mzi last
 * wrote (a field no source names is written). Older queued writes of the record give way to this one. Returns
 * undefined when the module writes nothing back or mzi holds no value for the record (it never blanks a field).
 */
export async function queueWriteBack(
  trx: Kysely<Database>,
  input: QueueWriteBackInput,
): Promise<WriteBackSummary | undefined> {
  const { link, event } = input;
  if (link.writeBackFields.length === 0) return undefined;
  const values = (await link.writeBackValues(trx, [event.record_id])).get(event.record_id);
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(values ?? {})) if (value !== null) fields[field] = value;
  if (Object.keys(fields).length === 0) return undefined;

  const held = await zohoHolds(trx, input, Object.keys(fields));
  const changed = Object.keys(fields).filter((field) => held[field] !== fields[field]);
  if (changed.length === 0) return { status: 'unchanged', fields, changed };

  const db = withWriteBacks(trx);
  await db
    .updateTable('zoho_write_backs')
    .set({ status: 'superseded', updated_at: input.now })
    .where('module', '=', event.module)
    .where('record_id', '=', event.record_id)
    .where('status', '=', 'pending')
    .execute();
  await db
    .insertInto('zoho_write_backs')
    .values({
      event_id: event.event_id,
      module: event.module,
      record_id: event.record_id,
      fields: JSON.stringify(Object.fromEntries(changed.map((field) => [field, fields[field] ?? null]))),
      status: 'pending',
      attempts: 0,
      next_attempt_at: input.now,
      locked_by: null,
      locked_until: null,
      error_code: null,
      error_message: null,
      created_at: input.now,
      updated_at: input.now,
      written_at: null,
    })
    .execute();
  return { status: 'pending', fields, changed };
}

/** What Zoho holds in each field, as far as mzi knows (undefined: unknown). */
async function zohoHolds(
  trx: Kysely<Database>,
  input: QueueWriteBackInput,
  fields: readonly string[],
): Promise<Record<string, string | null | undefined>> {
  if (input.fetched) {
    return Object.fromEntries(fields.map((field) => [field, input.fetched?.write_back[field] ?? null]));
  }
  const delivered = deliveredData(input.event.payload);
  const unknown = fields.filter((field) => delivered[field] === undefined);
  const written = unknown.length > 0 ? await lastWritten(trx, input.event, unknown) : {};
  return Object.fromEntries(
    fields.map((field) => {
      const value = delivered[field];
      if (value !== undefined) return [field, value === null ? null : value.trim() || null];
      return [field, written[field]];
    }),
  );
}

function deliveredData(payload: string): RecordData {
  try {
    return (JSON.parse(payload) as { data?: RecordData }).data ?? {};
  } catch {
    return {};
  }
}

/** The values mzi last wrote into the record's fields (the latest writes that Zoho accepted). */
async function lastWritten(
  trx: Kysely<Database>,
  event: QueueWriteBackInput['event'],
  fields: readonly string[],
): Promise<Record<string, string | null | undefined>> {
  const rows = await withWriteBacks(trx)
    .selectFrom('zoho_write_backs')
    .select('fields')
    .where('module', '=', event.module)
    .where('record_id', '=', event.record_id)
    .where('status', '=', 'written')
    .orderBy('id', 'desc')
    .limit(10)
    .execute();
  const held: Record<string, string | null | undefined> = {};
  for (const row of rows) {
    const written = JSON.parse(row.fields) as Record<string, string | null>;
    for (const field of fields)
      if (held[field] === undefined && field in written) held[field] = written[field];
  }
  return held;
}
