import { knownMirrorRecords, mirrorMoodleLinks, mirrorVersions } from '../shared/mirror-queries.js';
import { mirrorWriteBack } from '../shared/mirror-write-back.js';
import type { ZohoModule } from '../zoho-module.js';
import { createProgramHandler } from './handle-program-event.js';
import * as programsTable from './migrations/2026-12-07-0012-programs.js';
import { programCategoriesCheck } from './program-doctor-check.js';
import { PROGRAM_FIELDS, PROGRAM_MODULE } from './program-fields.js';
import { PROGRAM_RECORDS } from './program-records.js';
import { PROGRAM_SETTINGS, type ProgramSettings } from './program-settings.js';

/** The Products module: the school's programs, each resolved to a Moodle course category (issue 17). */
export const programs: ZohoModule<ProgramSettings> = {
  name: 'program',
  zohoApiName: PROGRAM_MODULE,
  fields: PROGRAM_FIELDS,
  settings: PROGRAM_SETTINGS,
  migrations: { '2026-12-07-0012-programs': programsTable },
  moodleFunctions: ['core_course_get_categories', 'core_course_create_categories'],
  testDelivery: {
    fields: [
      { apiName: 'Product_Name', label: 'Product name', value: 'BTEC Level 3 Test Program' },
      { apiName: 'MoodleID', label: 'Moodle category id', value: '' },
    ],
    hint: { field: 'Product_Name', example: 'BTEC Level 3 IT' },
  },
  // A term is a program name, compared in lower case (Zoho record ids are found without a key).
  searchKeys: [
    {
      name: 'product_name',
      read: (data) => data.Product_Name?.trim().toLowerCase().slice(0, 255) || undefined,
      match: (term) => term.trim().toLowerCase() || undefined,
    },
  ],
  knownRecords: (db, ids) => knownMirrorRecords(db, 'programs', ids),
  mirrorVersions: (db, ids) => mirrorVersions(db, 'programs', ids),
  moodleLinks: (db, ids) => mirrorMoodleLinks(db, 'programs', 'moodle_category_id', ids),
  // MoodleID is also an input (a category the school chose): only a category mzi found by idnumber or created is
  // written back, never MOODLE_DEFAULT_CATEGORY_ID, which is no program's own.
  zohoWriteBack: mirrorWriteBack({
    table: 'programs',
    column: 'moodle_category_id',
    field: () => 'MoodleID',
    where: ['category_source', ['idnumber', 'created']],
  }),
  createHandler: ({ settings, moodle }) => createProgramHandler({ settings, moodle }),
  records: PROGRAM_RECORDS,
  doctorChecks: (settings) => [programCategoriesCheck(settings)],
};
