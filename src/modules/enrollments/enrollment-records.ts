import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ModuleRecords, RelatedSection, ShownValue } from '../zoho-module.js';
import { ENROLLMENT_FIELDS } from './enrollment-fields.js';
import { type EnrollmentRow, findEnrollmentsByRef, searchEnrollments } from './enrollment-store.js';
import { classEnrolmentLines, type EnrolmentLine, studentEnrolmentLines } from './enrolment-lines.js';

/** A Unix time mzi sent to Moodle, as a UTC date-time; 0 is Moodle's "no limit". */
function moodleTime(seconds: number | null): ShownValue {
  if (seconds === null) return null;
  return seconds === 0
    ? 'none'
    : `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const dates = (start: string | null, end: string | null) =>
  start || end ? `${start ?? '…'} – ${end ?? '…'}` : null;

/** An enrolment's state for a person: Moodle's, and whether the Zoho record is gone. */
const stateOf = (line: EnrolmentLine) => `${line.state}${line.deleted ? ' (deleted in Zoho)' : ''}`;

/**
 * The enrollments of a student (their courses) on the student's page, and of a class (its students) on the
 * class's page (issue 17, item 6), when there are any. Each row links to the other side: the class, or the
 * student.
 */
async function relatedTo(module: string, db: Kysely<Database>, recordId: string): Promise<RelatedSection[]> {
  if (module === 'student') {
    const lines = await studentEnrolmentLines(db, recordId);
    if (lines.length === 0) return [];
    return [
      {
        title: 'Courses (enrollments)',
        columns: ['Class', 'Moodle course', 'Enrollment', 'Status', 'Dates', 'In Moodle'],
        rows: lines.map((line) => ({
          cells: [
            line.class,
            line.moodle_course_id,
            line.enrollment,
            line.status,
            dates(line.start_date, line.end_date),
            line.detail ? `${stateOf(line)}: ${line.detail}` : stateOf(line),
          ],
          ...(line.class ? { link: { section: 'classes', recordId: line.class } } : {}),
        })),
      },
    ];
  }
  if (module === 'class') {
    const lines = await classEnrolmentLines(db, recordId);
    if (lines.length === 0) return [];
    return [
      {
        title: 'Students (enrollments)',
        columns: ['Student', 'Moodle user', 'Enrollment', 'Status', 'Dates', 'In Moodle'],
        rows: lines.map((line) => ({
          cells: [
            line.student,
            line.moodle_user_id,
            line.enrollment,
            line.status,
            dates(line.start_date, line.end_date),
            line.detail ? `${stateOf(line)}: ${line.detail}` : stateOf(line),
          ],
          ...(line.student ? { link: { section: 'students', recordId: line.student } } : {}),
        })),
      },
    ];
  }
  return [];
}

/** The enrollments mirror as the dashboard, the admin API and `mzi enrollments` show it. */
export const ENROLLMENT_RECORDS: ModuleRecords<EnrollmentRow> = {
  section: 'enrollments',
  title: 'Enrollments',
  findHelp: 'Zoho record id of the enrollment, or of its student or class (all of theirs)',
  searchHelp: 'Zoho record id (enrollment, student or class), status or type',
  find: findEnrollmentsByRef,
  search: searchEnrollments,
  columns: [
    { header: 'Enrollment', value: (e) => e.zoho_record_id, link: true, mono: true },
    { header: 'Student', value: (e) => e.student_record_id, mono: true },
    { header: 'Class', value: (e) => e.class_record_id, mono: true },
    { header: 'Status', value: (e) => e.enrollment_status },
    { header: 'Dates', value: (e) => dates(e.start_date, e.end_date), opt: true },
    { header: 'In Moodle', value: (e) => e.moodle_state, empty: '—' },
  ],
  detail: async (_db, enrollment) => ({
    facts: [
      {
        facts: ENROLLMENT_FIELDS.map((field) => ({
          label: field.label,
          value: enrollment[field.column],
          ...(field.lookup ? { mono: true } : {}),
        })),
      },
      {
        title: 'Moodle',
        facts: [
          { label: 'State', value: enrollment.moodle_state ?? 'not enrolled by mzi' },
          { label: 'Moodle user id', value: enrollment.moodle_user_id ?? '—', mono: true },
          { label: 'Moodle course id', value: enrollment.moodle_course_id ?? '—', mono: true },
          { label: 'Role id', value: enrollment.moodle_role_id ?? '—', mono: true },
          { label: 'Starts (timestart)', value: moodleTime(enrollment.moodle_timestart), mono: true },
          { label: 'Ends (timeend)', value: moodleTime(enrollment.moodle_timeend), mono: true },
          { label: 'Last sent', value: enrollment.moodle_synced_at ?? '—', mono: true },
        ],
      },
    ],
    related: [
      {
        title: 'Student and class',
        columns: ['Record', 'Zoho record id'],
        rows: [
          ...(enrollment.student_record_id
            ? [
                {
                  cells: ['Student', enrollment.student_record_id],
                  link: { section: 'students', recordId: enrollment.student_record_id },
                },
              ]
            : []),
          ...(enrollment.class_record_id
            ? [
                {
                  cells: ['Class', enrollment.class_record_id],
                  link: { section: 'classes', recordId: enrollment.class_record_id },
                },
              ]
            : []),
        ],
      },
    ],
  }),
  relatedTo,
};
