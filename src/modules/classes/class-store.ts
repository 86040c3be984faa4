import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import {
  findMirrorRows,
  findMirrorRowsByRef,
  searchMirrorRows,
  upsertMirrorRow,
} from '../shared/mirror-queries.js';
import type { RecordData } from '../zoho-module.js';
import type { ClassesTable, ClassRow, ClassTables } from './classes.table.js';

type ClassDb = Kysely<Database & ClassTables>;

function classDb(db: Kysely<Database>): ClassDb {
  return db.withTables<ClassTables>();
}

/** The Zoho fields of a class and their mirror columns. */
type FieldColumn =
  | 'class_name'
  | 'class_short_name'
  | 'btec_program'
  | 'teacher'
  | 'class_status'
  | 'start_date'
  | 'end_date'
  | 'moodle_class_id'
  | 'zoho_modified_time';

const COLUMNS: ReadonlyArray<readonly [string, FieldColumn]> = [
  ['Class_Name', 'class_name'],
  ['Class_Short_Name', 'class_short_name'],
  ['BTEC_Program', 'btec_program'],
  ['Teacher', 'teacher'],
  ['Class_Status', 'class_status'],
  ['Start_Date', 'start_date'],
  ['End_Date', 'end_date'],
  ['Moodle_Class_ID', 'moodle_class_id'],
  ['Modified_Time', 'zoho_modified_time'],
];

/** The class of this Zoho record id, if the mirror has it. */
export async function findClass(db: Kysely<Database>, recordId: string): Promise<ClassRow | undefined> {
  return (await findMirrorRows<ClassRow>(db, 'classes', [recordId])).get(recordId);
}

/** Classes by Zoho record id, Class_Short_Name (any case) or Moodle course id. */
export function findClassesByRef(db: Kysely<Database>, ref: string): Promise<ClassRow[]> {
  return findMirrorRowsByRef<ClassRow>(db, ref, {
    table: 'classes',
    anyCase: ['class_short_name'],
    moodleId: 'moodle_course_id',
  });
}

/** Classes whose name or short name contains `q`, or whose record id is `q`; most recently changed first. */
export function searchClasses(
  db: Kysely<Database>,
  options: { q?: string | undefined; limit: number },
): Promise<ClassRow[]> {
  return searchMirrorRows<ClassRow>(db, options, {
    table: 'classes',
    contains: ['class_name', 'class_short_name'],
  });
}

/** The Moodle side of a class, written with the event that established it. */
export interface ClassCourseLink {
  courseId: number;
  ownership: string;
  hiddenByMzi: boolean;
  teacherUserId: number | null;
  teacherEnrolledByMzi: boolean;
}

export interface UpsertClassInput {
  recordId: string;
  data: RecordData;
  eventId: string;
  now: string;
  /** Set on delete, cleared otherwise (a record restored from Zoho's recycle bin is live again). */
  deletedAt: string | null;
  /** The course, when Moodle was asked; absent keeps what is stored. */
  link?: ClassCourseLink | undefined;
}

/** Writes a class into the mirror: the fields the delivery carries and, when known, its course. */
export async function upsertClass(trx: Kysely<Database>, input: UpsertClassInput): Promise<void> {
  const columns: Partial<Insertable<ClassesTable>> = {};
  for (const [apiName, column] of COLUMNS) {
    const value = input.data[apiName];
    if (value !== undefined) columns[column] = value;
  }
  if (input.link) {
    columns.moodle_course_id = input.link.courseId;
    columns.course_ownership = input.link.ownership;
    columns.hidden_by_mzi = input.link.hiddenByMzi ? 1 : 0;
    columns.teacher_user_id = input.link.teacherUserId;
    columns.teacher_enrolled_by_mzi = input.link.teacherEnrolledByMzi ? 1 : 0;
  }
  await upsertMirrorRow(trx, 'classes', input, columns);
}

/** The classes of a program or a teacher, by name, at most 200. */
export async function classesOf(
  db: Kysely<Database>,
  by: 'btec_program' | 'teacher',
  recordId: string,
): Promise<ClassRow[]> {
  return classDb(db)
    .selectFrom('classes')
    .selectAll()
    .where(by, '=', recordId)
    .orderBy('class_name')
    .limit(200)
    .execute();
}
