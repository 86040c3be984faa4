import type { ModuleRecords } from '../zoho-module.js';
import { TEACHER_FIELDS } from './teacher-fields.js';
import { findTeachersByRef, searchTeachers } from './teacher-store.js';
import type { TeacherRow } from './teacher-table.js';

/** The teacher mirror as the dashboard, the admin API and `mzi teachers` show it. */
export const TEACHER_RECORDS: ModuleRecords<TeacherRow> = {
  section: 'teachers',
  title: 'Teachers',
  findHelp: 'Zoho record id, Academic_Email, Email or Moodle user id',
  searchHelp: 'Name, email or Zoho record id',
  find: findTeachersByRef,
  search: searchTeachers,
  columns: [
    { header: 'Name', value: (t) => t.name, link: true, empty: '(no name)' },
    { header: 'Email', value: (t) => t.academic_email ?? t.email },
    { header: 'Moodle user', value: (t) => t.moodle_user_id, mono: true, empty: '—' },
  ],
  detail: async (_db, teacher) => ({
    facts: [
      { facts: TEACHER_FIELDS.map((field) => ({ label: field.label, value: teacher[field.column] })) },
      {
        title: 'Moodle',
        facts: [
          { label: 'Moodle user id', value: teacher.moodle_user_id ?? '—', mono: true },
          {
            label: 'Owned as',
            value: teacher.moodle_ownership ?? (teacher.moodle_user_id ? 'not verified yet' : '—'),
          },
          { label: 'Suspended by mzi', value: teacher.moodle_suspended_at ?? 'no', mono: true },
        ],
      },
    ],
    related: [],
  }),
};
