import type { ModuleRecords } from '../zoho-module.js';
import { findProgramsByRef, searchPrograms } from './program-store.js';
import type { ProgramRow } from './programs.table.js';

/** How each way of finding a program's category reads on its page. */
const SOURCES: Readonly<Record<string, string>> = {
  given: 'its MoodleID',
  idnumber: "the category's idnumber",
  created: 'created by mzi',
  default: 'MOODLE_DEFAULT_CATEGORY_ID (none of its own)',
};

/** The program mirror as the dashboard, the admin API and `mzi programs` show it. */
export const PROGRAM_RECORDS: ModuleRecords<ProgramRow> = {
  section: 'programs',
  title: 'Programs',
  findHelp: 'Zoho record id, Product_Name or Moodle category id',
  searchHelp: 'Program name or Zoho record id',
  find: findProgramsByRef,
  search: searchPrograms,
  columns: [
    { header: 'Name', value: (p) => p.product_name, link: true, empty: '(no name)' },
    { header: 'MoodleID', value: (p) => p.moodle_id, mono: true, opt: true },
    { header: 'Moodle category', value: (p) => p.moodle_category_id, mono: true, empty: '—' },
  ],
  detail: async (_db, program) => ({
    facts: [
      {
        facts: [
          { label: 'Product Name', value: program.product_name },
          { label: 'Moodle ID', value: program.moodle_id, mono: true },
          { label: 'Modified Time', value: program.zoho_modified_time },
        ],
      },
      {
        title: 'Moodle',
        facts: [
          { label: 'Course category id', value: program.moodle_category_id ?? '—', mono: true },
          {
            label: 'Found by',
            value: program.category_source
              ? (SOURCES[program.category_source] ?? program.category_source)
              : '—',
          },
        ],
      },
    ],
    related: [],
  }),
};
