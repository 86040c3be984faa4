import type { ColumnType, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/schema.js';
import {
  findMirrorRows,
  findMirrorRowsByRef,
  searchMirrorRows,
  upsertMirrorRow,
} from '../shared/mirror-queries.js';
import type { RecordData } from '../zoho-module.js';
import { ENROLLMENT_FIELDS } from './enrollment-fields.js';

/** Where an enrollment stands in Moodle, as mzi last left it. */
export type MoodleEnrolmentState = 'active' | 'suspended' | 'unenrolled';

/** Unix seconds; PostgreSQL's bigint comes back as text, hence the read type. */
type Seconds = ColumnType<number | string | null, number | null, number | null>;

/** The `enrollments` mirror (migration 2026-12-07-0014). */
export interface EnrollmentsTable {
  zoho_record_id: string;
  /** Enrolled_Students: the student's Zoho record id. */
  student_record_id: string | null;
  /** Classes: the class's Zoho record id. */
  class_record_id: string | null;
  start_date: string | null;
  end_date: string | null;
  enrollment_status: string | null;
  enrollment_type: string | null;
  zoho_modified_time: string | null;
  /** The Moodle enrolment mzi made: user, course, role, and the times it sent (0 = none). */
  moodle_user_id: number | null;
  moodle_course_id: number | null;
  moodle_role_id: number | null;
  moodle_timestart: Seconds;
  moodle_timeend: Seconds;
  /** Null until mzi has enrolled the student (Moodle not configured, or the enrollment still waits). */
  moodle_state: MoodleEnrolmentState | null;
  moodle_synced_at: string | null;
  deleted_at: string | null;
  last_event_id: string | null;
  created_at: string;
  updated_at: string;
}

/** An enrollment of the mirror, its times as numbers. */
export type EnrollmentRow = Omit<Selectable<EnrollmentsTable>, 'moodle_timestart' | 'moodle_timeend'> & {
  moodle_timestart: number | null;
  moodle_timeend: number | null;
};

type EnrollmentDb = Kysely<Database & { enrollments: EnrollmentsTable }>;

/** The database with the module's own table typed (it is not in the core schema). */
export function enrollmentDb(db: Kysely<Database>): EnrollmentDb {
  return db.withTables<{ enrollments: EnrollmentsTable }>();
}

function toRow(row: Selectable<EnrollmentsTable>): EnrollmentRow {
  const seconds = (value: number | string | null) => (value === null ? null : Number(value));
  return {
    ...row,
    moodle_timestart: seconds(row.moodle_timestart),
    moodle_timeend: seconds(row.moodle_timeend),
  };
}

/** The enrollments of these Zoho record ids, by record id (one query for a batch of events). */
export async function findEnrollments(
  db: Kysely<Database>,
  recordIds: readonly string[],
): Promise<Map<string, EnrollmentRow>> {
  const rows = await findMirrorRows<Selectable<EnrollmentsTable>>(db, 'enrollments', recordIds);
  return new Map([...rows].map(([recordId, row]) => [recordId, toRow(row)]));
}

/** Enrollments by their Zoho record id, or every enrollment of a student or class record id. */
export async function findEnrollmentsByRef(db: Kysely<Database>, ref: string): Promise<EnrollmentRow[]> {
  const rows = await findMirrorRowsByRef<Selectable<EnrollmentsTable>>(db, ref, {
    table: 'enrollments',
    exact: ['student_record_id', 'class_record_id'],
    limit: 200,
  });
  return rows.map(toRow);
}

/**
 * Enrollments whose record, student or class id is `q`, or whose status or type contains it; newest first.
 * Without `q`, the most recently changed ones.
 */
export async function searchEnrollments(
  db: Kysely<Database>,
  options: { q?: string | undefined; limit: number },
): Promise<EnrollmentRow[]> {
  const rows = await searchMirrorRows<Selectable<EnrollmentsTable>>(db, options, {
    table: 'enrollments',
    exact: ['student_record_id', 'class_record_id'],
    contains: ['enrollment_status', 'enrollment_type'],
  });
  return rows.map(toRow);
}

/** The live enrollments of a student (by Zoho record id), newest first. */
export async function enrollmentsOfStudent(
  db: Kysely<Database>,
  studentRecordId: string,
): Promise<EnrollmentRow[]> {
  const rows = await enrollmentDb(db)
    .selectFrom('enrollments')
    .selectAll()
    .where('student_record_id', '=', studentRecordId)
    .orderBy('updated_at', 'desc')
    .limit(500)
    .execute();
  return rows.map(toRow);
}

/** The enrollments of a class (by Zoho record id), newest first. */
export async function enrollmentsOfClass(
  db: Kysely<Database>,
  classRecordId: string,
): Promise<EnrollmentRow[]> {
  const rows = await enrollmentDb(db)
    .selectFrom('enrollments')
    .selectAll()
    .where('class_record_id', '=', classRecordId)
    .orderBy('updated_at', 'desc')
    .limit(5000)
    .execute();
  return rows.map(toRow);
}

/** A Moodle user in a Moodle course: the one enrolment Moodle keeps for them, whichever records lead to it. */
export interface MoodlePair {
  userId: number;
  courseId: number;
}

/**
 * The live enrollments, other than `exclude`, that keep an active Moodle enrolment of these pairs: an
 * enrollment leaving a course must not suspend or remove what another enrollment of the same student and
 * class still needs. Keyed by `pairKey`.
 */
export async function activeHoldersOf(
  db: Kysely<Database>,
  pairs: readonly MoodlePair[],
  exclude: readonly string[],
): Promise<Map<string, string>> {
  if (pairs.length === 0) return new Map();
  const rows = await enrollmentDb(db)
    .selectFrom('enrollments')
    .select(['zoho_record_id', 'moodle_user_id', 'moodle_course_id'])
    .where('moodle_course_id', 'in', [...new Set(pairs.map((pair) => pair.courseId))])
    .where('moodle_user_id', 'in', [...new Set(pairs.map((pair) => pair.userId))])
    .where('moodle_state', '=', 'active')
    .where('deleted_at', 'is', null)
    .execute();
  const wanted = new Set(pairs.map(pairKey));
  const excluded = new Set(exclude);
  const holders = new Map<string, string>();
  for (const row of rows) {
    if (row.moodle_user_id === null || row.moodle_course_id === null) continue;
    if (excluded.has(row.zoho_record_id)) continue;
    const key = pairKey({ userId: row.moodle_user_id, courseId: row.moodle_course_id });
    if (wanted.has(key) && !holders.has(key)) holders.set(key, row.zoho_record_id);
  }
  return holders;
}

/** One key per Moodle enrolment. */
export function pairKey(pair: MoodlePair): string {
  return `${pair.userId}:${pair.courseId}`;
}

/** The Moodle enrolment to record on the mirror: what was sent, or `null` to leave the stored one alone. */
export interface StoredEnrolment {
  userId: number;
  courseId: number;
  roleId: number;
  timestart: number;
  timeend: number;
  state: MoodleEnrolmentState;
}

export interface UpsertEnrollmentInput {
  recordId: string;
  data: RecordData;
  eventId: string;
  now: string;
  /** Set on delete, cleared on insert/update (a record restored from Zoho's recycle bin is live again). */
  deletedAt: string | null;
  moodle?: StoredEnrolment | undefined;
}

/** Writes an enrollment into the mirror: the fields the delivery carries, and the Moodle enrolment if any. */
export async function upsertEnrollment(trx: Kysely<Database>, input: UpsertEnrollmentInput): Promise<void> {
  const columns: Partial<Record<string, string | number | null>> = {};
  for (const field of ENROLLMENT_FIELDS) {
    const value = input.data[field.apiName];
    if (value !== undefined) columns[field.column] = value;
  }
  if (input.moodle) {
    columns.moodle_user_id = input.moodle.userId;
    columns.moodle_course_id = input.moodle.courseId;
    columns.moodle_role_id = input.moodle.roleId;
    columns.moodle_timestart = input.moodle.timestart;
    columns.moodle_timeend = input.moodle.timeend;
    columns.moodle_state = input.moodle.state;
    columns.moodle_synced_at = input.now;
  }
  await upsertMirrorRow(trx, 'enrollments', input, columns);
}
