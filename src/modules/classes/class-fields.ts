import type { ModuleField } from '../zoho-module.js';

/** The Zoho CRM custom module of classes. */
export const CLASS_MODULE = 'BTEC_Classes';

/** Every BTEC_Classes field mzi reads (issue 17). None is personal: a class names no one but its teacher's record. */
export const CLASS_FIELDS: readonly ModuleField[] = [
  // Moodle keeps a course fullname in 254 characters and a shortname in 255.
  { apiName: 'Class_Name', label: 'Class Name', personal: false, maxLength: 254 },
  { apiName: 'Class_Short_Name', label: 'Class Short Name', personal: false, maxLength: 255 },
  { apiName: 'BTEC_Program', label: 'BTEC Program', personal: false, maxLength: 128, lookup: true },
  { apiName: 'Teacher', label: 'Teacher', personal: false, maxLength: 128, lookup: true },
  { apiName: 'Class_Status', label: 'Class Status', personal: false, maxLength: 64 },
  { apiName: 'Start_Date', label: 'Start Date', personal: false, maxLength: 32 },
  { apiName: 'End_Date', label: 'End Date', personal: false, maxLength: 32 },
  { apiName: 'Moodle_Class_ID', label: 'Moodle Class ID', personal: false, maxLength: 32 },
  { apiName: 'Modified_Time', label: 'Modified Time', personal: false, maxLength: 64 },
];
