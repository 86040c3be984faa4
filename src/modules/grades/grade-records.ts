import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ModuleRecords, RelatedSection } from '../zoho-module.js';
import { gradeDb } from './grade-store.js';
import type { GradeRow } from './grades.table.js';

/** A grade as the generic record pages name records: by its composite key, removed like a deleted record. */
export type GradeRecordRow = GradeRow & { zoho_record_id: string; deleted_at: string | null };

const asRecord = (row: GradeRow): GradeRecordRow => ({
  ...row,
  moodle_graded_at: Number(row.moodle_graded_at),
  zoho_record_id: row.grade_key,
  deleted_at: row.removed_at,
});

/** Grades whose key, Zoho record, student or class is `term`; most recently changed first. */
async function findGrades(db: Kysely<Database>, term: string, limit: number): Promise<GradeRecordRow[]> {
  const rows = await gradeDb(db)
    .selectFrom('grades')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('grade_key', '=', term),
        eb('zoho_record_id', '=', term),
        eb('student_record_id', '=', term),
        eb('class_record_id', '=', term),
      ]),
    )
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(asRecord);
}

const gradedAt = (row: GradeRow) => new Date(Number(row.moodle_graded_at) * 1000).toISOString();

/** The grades mirror as the dashboard, the admin API and `mzi grades` show it. */
export const GRADE_RECORDS: ModuleRecords<GradeRecordRow> = {
  section: 'grades',
  title: 'Grades',
  findHelp:
    'composite key ({userid}_{courseid}_{assignid}), BTEC_Grades record id, or a student or class record id',
  searchHelp: 'Composite key, or a student, class or BTEC_Grades record id',
  find: (db, ref) => findGrades(db, ref.trim(), 50),
  async search(db, { q, limit }) {
    if (q?.trim()) return findGrades(db, q.trim(), limit);
    const rows = await gradeDb(db)
      .selectFrom('grades')
      .selectAll()
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(asRecord);
  },
  columns: [
    { header: 'Key', value: (g) => g.grade_key, link: true, mono: true },
    { header: 'Student', value: (g) => g.student_record_id, mono: true },
    { header: 'Class', value: (g) => g.class_record_id, mono: true, opt: true },
    { header: 'Grade', value: (g) => g.grade, empty: '(removed)' },
    { header: 'Attempt', value: (g) => g.attempt + 1, opt: true },
  ],
  detail: async (_db, grade) => ({
    facts: [
      {
        facts: [
          { label: 'Grade sent to Zoho', value: grade.grade ?? '(removed in Moodle)' },
          { label: 'Attempt', value: grade.attempt + 1 },
          { label: 'Graded in Moodle (UTC)', value: gradedAt(grade) },
          { label: 'BTEC_Grades record', value: grade.zoho_record_id ?? '—', mono: true },
        ],
      },
      {
        title: 'Moodle',
        facts: [
          { label: 'User id', value: grade.moodle_user_id, mono: true },
          { label: 'Course id', value: grade.moodle_course_id, mono: true },
          { label: 'Assignment id', value: grade.moodle_assignment_id, mono: true },
        ],
      },
    ],
    related: [
      {
        title: 'Zoho records',
        columns: ['Record', 'Zoho id'],
        rows: [
          ...(grade.student_record_id
            ? [
                {
                  cells: ['Student', grade.student_record_id],
                  link: { section: 'students', recordId: grade.student_record_id },
                },
              ]
            : []),
          {
            cells: ['Class', grade.class_record_id],
            link: { section: 'classes', recordId: grade.class_record_id },
          },
        ],
      },
    ],
  }),
  relatedTo,
};

/** A student's grades on its page, and a class's. */
async function relatedTo(module: string, db: Kysely<Database>, recordId: string): Promise<RelatedSection[]> {
  const column =
    module === 'student' ? 'student_record_id' : module === 'class' ? 'class_record_id' : undefined;
  if (!column) return [];
  const rows = await gradeDb(db)
    .selectFrom('grades')
    .selectAll()
    .where(column, '=', recordId)
    .orderBy('moodle_course_id')
    .orderBy('moodle_assignment_id')
    .limit(500)
    .execute();
  if (rows.length === 0) return [];
  return [
    {
      title: 'Grades',
      columns: [
        'Key',
        module === 'student' ? 'Class' : 'Student',
        'Assignment',
        'Grade',
        'Attempt',
        'Graded (UTC)',
      ],
      rows: rows.map((row) => ({
        cells: [
          row.grade_key,
          module === 'student' ? row.class_record_id : row.student_record_id,
          row.moodle_assignment_id,
          row.grade ?? '(removed)',
          row.attempt + 1,
          gradedAt(row),
        ],
        link: { section: 'grades', recordId: row.grade_key },
      })),
    },
  ];
}
