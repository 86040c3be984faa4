import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ModuleRecords, RelatedSection } from '../zoho-module.js';
import { CLASS_FIELDS } from './class-fields.js';
import { classesOf, findClassesByRef, searchClasses } from './class-store.js';
import type { ClassesTable, ClassRow } from './classes.table.js';

/** The mirror column of each BTEC_Classes field, for the record's page. */
const FIELD_COLUMNS: Readonly<Record<string, keyof ClassesTable>> = {
  Class_Name: 'class_name',
  Class_Short_Name: 'class_short_name',
  BTEC_Program: 'btec_program',
  Teacher: 'teacher',
  Class_Status: 'class_status',
  Start_Date: 'start_date',
  End_Date: 'end_date',
  Moodle_Class_ID: 'moodle_class_id',
  Modified_Time: 'zoho_modified_time',
};

/** The class mirror as the dashboard, the admin API and `mzi classes` show it. */
export const CLASS_RECORDS: ModuleRecords<ClassRow> = {
  section: 'classes',
  title: 'Classes',
  findHelp: 'Zoho record id, Class_Short_Name or Moodle course id',
  searchHelp: 'Class name, short name or Zoho record id',
  find: findClassesByRef,
  search: searchClasses,
  columns: [
    { header: 'Name', value: (c) => c.class_name, link: true, empty: '(no name)' },
    { header: 'Short name', value: (c) => c.class_short_name, mono: true },
    { header: 'Status', value: (c) => c.class_status, opt: true },
    { header: 'Moodle course', value: (c) => c.moodle_course_id, mono: true, empty: '—' },
  ],
  detail: async (_db, row) => ({
    facts: [
      {
        facts: CLASS_FIELDS.map((field) => {
          const column = FIELD_COLUMNS[field.apiName];
          return { label: field.label, value: column ? (row[column] as string | null) : null };
        }),
      },
      {
        title: 'Moodle',
        facts: [
          { label: 'Course id', value: row.moodle_course_id ?? '—', mono: true },
          { label: 'Linked as', value: row.course_ownership ?? '—' },
          { label: 'Hidden by mzi', value: row.hidden_by_mzi === 1 ? 'yes' : 'no' },
        ],
      },
    ],
    related: [teacherSection(row)],
  }),
  // Only programs and teachers with classes get the list.
  relatedTo: async (module, db, recordId) => {
    if (module === 'program') return classList(db, 'Classes', 'btec_program', recordId);
    if (module === 'teacher') return classList(db, 'Classes taught', 'teacher', recordId);
    return [];
  },
};

/** The class's teacher: the Zoho record and the Moodle user enrolled in the course as teacher. */
function teacherSection(row: ClassRow): RelatedSection {
  const enrolled =
    row.teacher_user_id === null
      ? 'not enrolled'
      : row.teacher_enrolled_by_mzi === 1
        ? 'enrolled by mzi'
        : 'enrolled before mzi (left to Moodle)';
  return {
    title: 'Teacher',
    columns: ['Zoho record', 'Moodle user', 'Enrolment'],
    rows:
      row.teacher === null && row.teacher_user_id === null
        ? []
        : [
            {
              cells: [row.teacher ?? '—', row.teacher_user_id ?? '—', enrolled],
              ...(row.teacher ? { link: { section: 'teachers', recordId: row.teacher } } : {}),
            },
          ],
  };
}

async function classList(
  db: Kysely<Database>,
  title: string,
  by: 'btec_program' | 'teacher',
  recordId: string,
): Promise<RelatedSection[]> {
  const rows = await classesOf(db, by, recordId);
  if (rows.length === 0) return [];
  const section: RelatedSection = {
    title,
    columns: ['Class', 'Short name', 'Status', 'Moodle course'],
    rows: rows.map((c) => ({
      cells: [
        c.class_name,
        c.class_short_name,
        c.deleted_at ? 'deleted' : c.class_status,
        c.moodle_course_id ?? '—',
      ],
      link: { section: 'classes', recordId: c.zoho_record_id },
    })),
  };
  return [section];
}
