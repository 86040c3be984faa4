import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { GradeRow, GradesTable, GradeTables } from './grades.table.js';

type GradeDb = Kysely<Database & GradeTables>;

export function gradeDb(db: Kysely<Database>): GradeDb {
  return db.withTables<GradeTables>();
}

/** PostgreSQL returns a bigint as text: grade times are read back as numbers. */
function toRow(row: GradeRow): GradeRow {
  return { ...row, moodle_graded_at: Number(row.moodle_graded_at) };
}

/** The mirror rows of these grade keys, by key. */
export async function findGrades(
  db: Kysely<Database>,
  keys: readonly string[],
): Promise<Map<string, GradeRow>> {
  if (keys.length === 0) return new Map();
  const rows = await gradeDb(db)
    .selectFrom('grades')
    .selectAll()
    .where('grade_key', 'in', [...keys])
    .execute();
  return new Map(rows.map((row) => [row.grade_key, toRow(row)]));
}

/** The live grades mzi sent for these assignments. */
export async function liveGradesOfAssignments(
  db: Kysely<Database>,
  assignmentIds: readonly number[],
): Promise<GradeRow[]> {
  if (assignmentIds.length === 0) return [];
  const rows = await gradeDb(db)
    .selectFrom('grades')
    .selectAll()
    .where('moodle_assignment_id', 'in', [...assignmentIds])
    .where('live', '=', 1)
    .execute();
  return rows.map(toRow);
}

/** Stores what Zoho now holds of a grade (inserted or replaced whole). */
export async function saveGrade(db: Kysely<Database>, row: Insertable<GradesTable>): Promise<void> {
  const { grade_key: _key, created_at: _created, ...changes } = row;
  await gradeDb(db)
    .insertInto('grades')
    .values(row)
    .onConflict((oc) => oc.column('grade_key').doUpdateSet(changes))
    .execute();
}

/** Marks a grade removed in Moodle (its Zoho record kept or deleted, as GRADES_ON_REMOVED says). */
export async function markGradeRemoved(
  db: Kysely<Database>,
  key: string,
  options: { eventId: string; at: string; zohoDeleted: boolean },
): Promise<void> {
  await gradeDb(db)
    .updateTable('grades')
    .set({
      live: 0,
      grade: null,
      removed_at: options.at,
      last_event_id: options.eventId,
      updated_at: options.at,
      ...(options.zohoDeleted ? { zoho_record_id: null } : {}),
    })
    .where('grade_key', '=', key)
    .execute();
}

/** Where the poll of these assignments starts (Moodle's inclusive `since`), by assignment id. */
export async function readCursors(db: Kysely<Database>, courseId: number): Promise<Map<number, number>> {
  const rows = await gradeDb(db)
    .selectFrom('grade_poll_cursors')
    .select(['assignment_id', 'since'])
    .where('course_id', '=', courseId)
    .execute();
  return new Map(rows.map((row) => [Number(row.assignment_id), Number(row.since)]));
}

/** Moves the cursors of a course's assignments forward, and drops those of assignments that are gone. */
export async function writeCursors(
  db: Kysely<Database>,
  courseId: number,
  cursors: ReadonlyMap<number, number>,
  gone: readonly number[],
  at: string,
): Promise<void> {
  const gdb = gradeDb(db);
  await gdb.transaction().execute(async (trx) => {
    for (const [assignmentId, since] of cursors) {
      await trx
        .insertInto('grade_poll_cursors')
        .values({ assignment_id: assignmentId, course_id: courseId, since, updated_at: at })
        .onConflict((oc) =>
          oc.column('assignment_id').doUpdateSet({ course_id: courseId, since, updated_at: at }),
        )
        .execute();
    }
    if (gone.length > 0) {
      await trx
        .deleteFrom('grade_poll_cursors')
        .where('assignment_id', 'in', [...gone])
        .execute();
    }
  });
}

/** Of these delivery ids of grade events, the ones the event log already holds. */
export async function loggedDeliveries(
  db: Kysely<Database>,
  module: string,
  deliveryIds: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let at = 0; at < deliveryIds.length; at += 500) {
    const chunk = deliveryIds.slice(at, at + 500);
    const rows = await db
      .selectFrom('integration_events_log')
      .select('dedup_key')
      .where('module', '=', module)
      .where('dedup_key', 'in', chunk)
      .execute();
    for (const row of rows) if (row.dedup_key) found.add(row.dedup_key);
  }
  return found;
}

/** Of these grade keys, those with a grade event still to be sent (pending or processing). */
export async function gradesInFlight(
  db: Kysely<Database>,
  module: string,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('integration_events_log')
    .select('record_id')
    .distinct()
    .where('module', '=', module)
    .where('record_id', 'in', [...keys])
    .where('event_type', 'in', ['insert', 'update'])
    .where('status', 'in', ['pending', 'processing'])
    .execute();
  return new Set(rows.map((row) => row.record_id));
}
