import type { ModuleField } from '../zoho-module.js';
import type { TeachersTable } from './teacher-table.js';

/** The Zoho CRM custom module of teachers. */
export const TEACHER_MODULE = 'BTEC_Teachers';

type TeacherColumn = Extract<
  keyof TeachersTable,
  'name' | 'academic_email' | 'email' | 'phone_number' | 'teacher_moodle_id' | 'zoho_modified_time'
>;

/** A BTEC_Teachers field and the mirror column that keeps it. */
export interface TeacherField extends ModuleField {
  readonly column: TeacherColumn;
}

/** Every BTEC_Teachers field mzi keeps (issue 17). */
export const TEACHER_FIELDS: readonly TeacherField[] = [
  { apiName: 'Name', column: 'name', label: 'Name', personal: true, maxLength: 1000 },
  {
    apiName: 'Academic_Email',
    column: 'academic_email',
    label: 'Academic Email',
    personal: true,
    maxLength: 320,
  },
  { apiName: 'Email', column: 'email', label: 'Email', personal: true, maxLength: 320 },
  { apiName: 'Phone_Number', column: 'phone_number', label: 'Phone Number', personal: true, maxLength: 64 },
  {
    apiName: 'Teacher_Moodle_ID',
    column: 'teacher_moodle_id',
    label: 'Teacher Moodle ID',
    personal: false,
    maxLength: 32,
  },
  {
    apiName: 'Modified_Time',
    column: 'zoho_modified_time',
    label: 'Modified Time',
    personal: false,
    maxLength: 64,
  },
];
