import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MoodleLink } from '../zoho-module.js';

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
