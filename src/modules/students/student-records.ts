import type { StudentRow } from '../../db/schema.js';
import type { ModuleRecords } from '../zoho-module.js';
import { STUDENT_FIELDS } from './student-fields.js';
import { findStudentsByRef, searchStudents } from './student-store.js';

/** The student mirror as the dashboard, the admin API and `mzi students` show it. */
export const STUDENT_RECORDS: ModuleRecords<StudentRow> = {
  section: 'students',
  title: 'Students',
  findHelp: 'Zoho record id, Student_ID_Number or Academic_Email',
  searchHelp: 'Name, email, Student ID or Zoho record id',
  find: findStudentsByRef,
  search: searchStudents,
  columns: [
    { header: 'Name', value: (s) => s.name, link: true, empty: '(no name)' },
    { header: 'Academic email', value: (s) => s.academic_email },
    { header: 'Student ID', value: (s) => s.student_id_number, mono: true, opt: true },
    { header: 'Status', value: (s) => s.student_status, opt: true },
    { header: 'Moodle user', value: (s) => s.moodle_user_id, mono: true, empty: '—' },
  ],
  detail: async (_db, student) => ({
    facts: [
      { facts: STUDENT_FIELDS.map((field) => ({ label: field.label, value: student[field.column] })) },
      {
        title: 'Moodle',
        facts: [
          { label: 'Moodle user id', value: student.moodle_user_id ?? '—', mono: true },
          {
            label: 'Owned as',
            value: student.moodle_ownership ?? (student.moodle_user_id ? 'not verified yet' : '—'),
          },
        ],
      },
    ],
    related: [],
  }),
};
