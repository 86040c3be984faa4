import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ENROLLMENT_MODULE } from './enrollment-fields.js';
import { type EnrollmentRow, enrollmentsOfClass, enrollmentsOfStudent } from './enrollment-store.js';

/** Where an enrollment stands, as an operator reads it on a student's or a class's page. */
export type EnrolmentLineState =
  | 'active'
  | 'suspended'
  | 'unenrolled'
  | 'waiting'
  | 'not in Moodle'
  | 'deleted';

/** One enrollment of a student or a class, for `mzi students show`, `mzi classes show` and the dashboard. */
export interface EnrolmentLine {
  enrollment: string;
  student: string | null;
  class: string | null;
  status: string | null;
  type: string | null;
  start_date: string | null;
  end_date: string | null;
  moodle_user_id: number | null;
  moodle_course_id: number | null;
  /** The enrollment was deleted in Zoho (its Moodle enrolment is then suspended or removed). */
  deleted: boolean;
  state: EnrolmentLineState;
  /** Why it waits, when it does. */
  detail?: string;
}

/** The enrollments of a student (by Zoho record id): the courses they are in, and those on their way. */
export async function studentEnrolmentLines(db: Kysely<Database>, studentRecordId: string) {
  return enrolmentLines(db, await enrollmentsOfStudent(db, studentRecordId), {
    column: 'search_key_2',
    value: studentRecordId,
  });
}

/** The enrollments of a class (by Zoho record id): its students, and those on their way. */
export async function classEnrolmentLines(db: Kysely<Database>, classRecordId: string) {
  return enrolmentLines(db, await enrollmentsOfClass(db, classRecordId), {
    column: 'search_key_1',
    value: classRecordId,
  });
}

/**
 * The mirror's enrollments and the ones waiting for a record (their event is pending, so the mirror may not have
 * them yet), found through the event log's search keys: `search_key_1` holds an enrollment's class, `search_key_2`
 * its student (the module's `searchKeys`).
 */
async function enrolmentLines(
  db: Kysely<Database>,
  rows: EnrollmentRow[],
  key: { column: 'search_key_1' | 'search_key_2'; value: string },
): Promise<EnrolmentLine[]> {
  const waiting = await db
    .selectFrom('integration_events_log')
    .select(['record_id', 'search_key_1', 'search_key_2', 'error_message'])
    .where('module', '=', ENROLLMENT_MODULE)
    .where(key.column, '=', key.value)
    .where('status', '=', 'pending')
    .where('error_code', '=', 'dependency.waiting')
    .orderBy('id', 'asc')
    .limit(5000)
    .execute();
  const waits = new Map(waiting.map((event) => [event.record_id, event]));
  const lines: EnrolmentLine[] = rows.map((row) => {
    const wait = waits.get(row.zoho_record_id);
    waits.delete(row.zoho_record_id);
    return {
      enrollment: row.zoho_record_id,
      student: row.student_record_id,
      class: row.class_record_id,
      status: row.enrollment_status,
      type: row.enrollment_type,
      start_date: row.start_date,
      end_date: row.end_date,
      moodle_user_id: row.moodle_user_id,
      moodle_course_id: row.moodle_course_id,
      deleted: row.deleted_at !== null,
      ...lineState(row, wait?.error_message ?? undefined),
    };
  });
  for (const [recordId, event] of waits) {
    lines.push({
      enrollment: recordId,
      student: event.search_key_2,
      class: event.search_key_1,
      status: null,
      type: null,
      start_date: null,
      end_date: null,
      moodle_user_id: null,
      moodle_course_id: null,
      deleted: false,
      state: 'waiting',
      ...(event.error_message ? { detail: event.error_message } : {}),
    });
  }
  return lines;
}

function lineState(
  row: EnrollmentRow,
  waiting: string | undefined,
): { state: EnrolmentLineState; detail?: string } {
  if (waiting !== undefined) return { state: 'waiting', detail: waiting };
  return { state: row.moodle_state ?? 'not in Moodle' };
}
