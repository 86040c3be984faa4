import type { ModuleField } from '../zoho-module.js';

/** Zoho CRM's module of programs: the standard Products module, renamed in the school's org. */
export const PROGRAM_MODULE = 'Products';

/** Every Products field mzi reads (issue 17). None is personal. */
export const PROGRAM_FIELDS: readonly ModuleField[] = [
  { apiName: 'Product_Name', label: 'Product Name', personal: false, maxLength: 255 },
  { apiName: 'MoodleID', label: 'Moodle ID', personal: false, maxLength: 32 },
  { apiName: 'Modified_Time', label: 'Modified Time', personal: false, maxLength: 64 },
];
