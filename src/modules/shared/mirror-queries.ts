import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MirrorVersion, MoodleLink } from '../zoho-module.js';

/** What every module's mirror table has: its Zoho record id as key, and when the record was deleted. */
interface MirrorTable {
  zoho_record_id: string;
  deleted_at: string | null;
  [column: string]: unknown;
}

type Mirrors = Record<string, MirrorTable>;

/** Of these Zoho record ids, the ones a module's mirror table knows: true when live, false when deleted. */
export async function knownMirrorRecords(
  db: Kysely<Database>,
  table: string,
  recordIds: readonly string[],
): Promise<Map<string, boolean>> {
  if (recordIds.length === 0) return new Map();
  const rows = await (db as unknown as Kysely<Mirrors>)
    .selectFrom(table)
    .select(['zoho_record_id', 'deleted_at'])
    .where('zoho_record_id', 'in', [...recordIds])
    .execute();
  return new Map(rows.map((row) => [row.zoho_record_id, row.deleted_at === null]));
}

/**
 * Of these Zoho record ids, what a module's mirror table holds: live or deleted, and the Modified_Time it stored
 * (every mirror keeps it in `zoho_modified_time`).
 */
export async function mirrorVersions(
  db: Kysely<Database>,
  table: string,
  recordIds: readonly string[],
): Promise<Map<string, MirrorVersion>> {
  if (recordIds.length === 0) return new Map();
  const rows = await (db as unknown as Kysely<Mirrors>)
    .selectFrom(table)
    .select(['zoho_record_id', 'deleted_at', 'zoho_modified_time'])
    .where('zoho_record_id', 'in', [...recordIds])
    .execute();
  return new Map(
    rows.map((row) => [
      row.zoho_record_id,
      { live: row.deleted_at === null, modifiedTime: (row.zoho_modified_time as string | null) ?? null },
    ]),
  );
}

/**
 * The Moodle ids a module's mirror table links these records to, from its column `column` (a user, a category,
 * a course), for the records that have one.
 */
export async function mirrorMoodleLinks(
  db: Kysely<Database>,
  table: string,
  column: string,
  recordIds: readonly string[],
): Promise<Map<string, MoodleLink>> {
  if (recordIds.length === 0) return new Map();
  const rows = await (db as unknown as Kysely<Mirrors>)
    .selectFrom(table)
    .select(['zoho_record_id', 'deleted_at', (eb) => eb.ref(column).as('moodle_id')])
    .where('zoho_record_id', 'in', [...recordIds])
    .where(column, 'is not', null)
    .execute();
  return new Map(
    rows.map((row) => [
      row.zoho_record_id,
      { moodleId: Number(row.moodle_id), live: row.deleted_at === null },
    ]),
  );
}

/** The rows of a module's mirror table for these Zoho record ids, by record id (one query for a batch). */
export async function findMirrorRows<Row extends { zoho_record_id: string }>(
  db: Kysely<Database>,
  table: string,
  recordIds: readonly string[],
): Promise<Map<string, Row>> {
  if (recordIds.length === 0) return new Map();
  const rows = (await (db as unknown as Kysely<Mirrors>)
    .selectFrom(table)
    .selectAll()
    .where('zoho_record_id', 'in', [...recordIds])
    .execute()) as unknown as Row[];
  return new Map(rows.map((row) => [row.zoho_record_id, row]));
}

/**
 * The Zoho records of the live rows of a mirror of Moodle users (students, teachers) linked to these Moodle
 * user ids, by Moodle user id.
 */
export async function mirrorMoodleUserHolders(
  db: Kysely<Database>,
  table: string,
  userIds: readonly number[],
): Promise<Map<number, string[]>> {
  if (userIds.length === 0) return new Map();
  const rows = await (db as unknown as Kysely<Mirrors>)
    .selectFrom(table)
    .select(['moodle_user_id', 'zoho_record_id'])
    .where(
      'moodle_user_id',
      'in',
      userIds.map((id) => String(id)),
    )
    .where('deleted_at', 'is', null)
    .execute();
  const holders = new Map<number, string[]>();
  for (const row of rows) {
    const userId = Number(row.moodle_user_id);
    holders.set(userId, [...(holders.get(userId) ?? []), row.zoho_record_id]);
  }
  return holders;
}

/**
 * How an operator's term matches a mirror's rows, besides its Zoho record id (always, exactly): columns equal to
 * the term as typed, text columns equal to it in any case, text columns containing it in any case, and a Moodle
 * id column compared when the term is a whole number.
 */
export interface MirrorMatch<Column extends string = string> {
  table: string;
  exact?: readonly Column[];
  anyCase?: readonly Column[];
  contains?: readonly Column[];
  moodleId?: Column;
}

/** Rows matching `ref` (trimmed), most recently changed first, at most `limit`. */
export async function findMirrorRowsByRef<Row>(
  db: Kysely<Database>,
  ref: string,
  match: MirrorMatch<keyof Row & string> & { limit?: number },
): Promise<Row[]> {
  return (await (db as unknown as Kysely<Mirrors>)
    .selectFrom(match.table)
    .selectAll()
    .where(termMatches(ref.trim(), match))
    .orderBy('updated_at', 'desc')
    .limit(match.limit ?? 20)
    .execute()) as unknown as Row[];
}

/** Rows matching the search term `q` (trimmed; all rows without one), most recently changed first. */
export async function searchMirrorRows<Row>(
  db: Kysely<Database>,
  options: { q?: string | undefined; limit: number },
  match: MirrorMatch<keyof Row & string>,
): Promise<Row[]> {
  let query = (db as unknown as Kysely<Mirrors>)
    .selectFrom(match.table)
    .selectAll()
    .orderBy('updated_at', 'desc')
    .limit(options.limit);
  const q = options.q?.trim();
  if (q) query = query.where(termMatches(q, match));
  return (await query.execute()) as unknown as Row[];
}

/**
 * The condition `term` meets. `lower()` and LIKE with an explicit escape character behave alike on SQLite and
 * PostgreSQL; the term's own `\`, `%` and `_` are escaped so that they match only themselves.
 */
function termMatches(term: string, match: MirrorMatch) {
  const lower = term.toLowerCase();
  const like = `%${lower.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return (eb: ExpressionBuilder<Mirrors, string>) =>
    eb.or([
      eb('zoho_record_id', '=', term),
      ...(match.exact ?? []).map((column) => eb(column, '=', term)),
      ...(match.anyCase ?? []).map((column) => eb(eb.fn('lower', [eb.ref(column)]), '=', lower)),
      ...(match.contains ?? []).map((column) =>
        eb(eb.fn('lower', [eb.ref(column)]), 'like', sql<string>`${like} escape '\\'`),
      ),
      ...(match.moodleId && /^\d{1,15}$/.test(term) ? [eb(match.moodleId, '=', Number(term))] : []),
    ]);
}

/** What a mirror write records besides the record's own columns: the event, the time, and whether deleted. */
export interface MirrorWrite {
  readonly recordId: string;
  readonly eventId: string;
  readonly now: string;
  readonly deletedAt: string | null;
}

/**
 * Inserts or updates a record of a module's mirror table: `columns` (only those the event knows) plus when it
 * was deleted, the event that wrote it and the time; `created_at` only on insert.
 */
export async function upsertMirrorRow(
  trx: Kysely<Database>,
  table: string,
  write: MirrorWrite,
  columns: Record<string, unknown>,
): Promise<void> {
  const changes = {
    ...columns,
    deleted_at: write.deletedAt,
    last_event_id: write.eventId,
    updated_at: write.now,
  };
  await (trx as unknown as Kysely<Mirrors>)
    .insertInto(table)
    .values({ ...changes, zoho_record_id: write.recordId, created_at: write.now })
    .onConflict((oc) => oc.column('zoho_record_id').doUpdateSet(changes))
    .execute();
}
