import type { StudentsTable } from '../../db/schema.js';

/** The Zoho CRM custom module mirrored by mzi. */
export const STUDENT_MODULE = 'BTEC_Students';

type StudentColumn = Exclude<
  keyof StudentsTable,
  'zoho_record_id' | 'deleted_at' | 'last_event_id' | 'created_at' | 'updated_at'
>;

/** A BTEC_Students field: Zoho API name, local column, its label in Zoho's UI, and whether it is personal data. */
export interface StudentField {
  readonly apiName: string;
  readonly column: StudentColumn;
  readonly label: string;
  readonly personal: boolean;
  /** Longest value the local mirror keeps (the column's width). */
  readonly maxLength: number;
}

/** Every BTEC_Students field mzi knows (DESIGN.md §1). */
export const STUDENT_FIELDS: readonly StudentField[] = [
  {
    apiName: 'Student_ID_Number',
    column: 'student_id_number',
    label: 'Student ID Number',
    personal: false,
    maxLength: 128,
  },
  {
    apiName: 'Academic_Email',
    column: 'academic_email',
    label: 'Academic Email',
    personal: true,
    maxLength: 320,
  },
  { apiName: 'Name', column: 'name', label: 'Name', personal: true, maxLength: 1000 },
  { apiName: 'Phone', column: 'phone', label: 'Phone', personal: true, maxLength: 64 },
  {
    apiName: 'Moodle_User_ID',
    column: 'moodle_user_id',
    label: 'Moodle User ID',
    personal: false,
    maxLength: 32,
  },
  {
    apiName: 'Date_of_Birth',
    column: 'date_of_birth',
    label: 'Date of Birth',
    personal: true,
    maxLength: 32,
  },
  { apiName: 'Gender', column: 'gender', label: 'Gender', personal: true, maxLength: 64 },
  { apiName: 'Address', column: 'address', label: 'Address', personal: true, maxLength: 2000 },
  { apiName: 'City', column: 'city', label: 'City', personal: true, maxLength: 255 },
  { apiName: 'Country', column: 'country', label: 'Country', personal: false, maxLength: 255 },
  { apiName: 'Postal_Code', column: 'postal_code', label: 'Postal Code', personal: true, maxLength: 64 },
  {
    apiName: 'Emergency_Contact_Name',
    column: 'emergency_contact_name',
    label: 'Emergency Contact Name',
    personal: true,
    maxLength: 1000,
  },
  {
    apiName: 'Emergency_Contact_Phone',
    column: 'emergency_contact_phone',
    label: 'Emergency Contact Phone',
    personal: true,
    maxLength: 64,
  },
  {
    apiName: 'Student_Status',
    column: 'student_status',
    label: 'Student Status',
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

/** Student data as delivered: a field present with `null` means "empty in Zoho"; an absent field means "unknown". */
export type StudentData = Partial<Record<string, string | null>>;
