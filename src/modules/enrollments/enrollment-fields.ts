import type { ModuleField } from '../zoho-module.js';

/** The Zoho CRM custom module of enrollments (a student in a class). */
export const ENROLLMENT_MODULE = 'BTEC_Enrollments';

/** A BTEC_Enrollments field as mzi reads it; `lookup` fields carry the related record's Zoho id. */
export interface EnrollmentField extends ModuleField {
  /** The mirror's column. */
  readonly column: EnrollmentFieldColumn;
}

/** The mirror's columns that hold a Zoho field. */
export type EnrollmentFieldColumn =
  | 'student_record_id'
  | 'class_record_id'
  | 'start_date'
  | 'end_date'
  | 'enrollment_status'
  | 'enrollment_type'
  | 'zoho_modified_time';

/** Every BTEC_Enrollments field mzi keeps (issue 17, item 4). None is personal: lookups keep only record ids. */
export const ENROLLMENT_FIELDS: readonly EnrollmentField[] = [
  {
    apiName: 'Enrolled_Students',
    column: 'student_record_id',
    label: 'Student',
    personal: false,
    maxLength: 128,
    lookup: true,
  },
  {
    apiName: 'Classes',
    column: 'class_record_id',
    label: 'Class',
    personal: false,
    maxLength: 128,
    lookup: true,
  },
  { apiName: 'Start_Date', column: 'start_date', label: 'Start Date', personal: false, maxLength: 64 },
  { apiName: 'End_Date', column: 'end_date', label: 'End Date', personal: false, maxLength: 64 },
  {
    apiName: 'Enrollment_Status',
    column: 'enrollment_status',
    label: 'Enrollment Status',
    personal: false,
    maxLength: 64,
  },
  {
    apiName: 'Enrollment_Type',
    column: 'enrollment_type',
    label: 'Enrollment Type',
    personal: false,
    maxLength: 64,
  },
  {
    apiName: 'Modified_Time',
    column: 'zoho_modified_time',
    label: 'Modified Time',
    personal: false,
    maxLength: 64,
  },
];
