import type { ZohoModule } from '../zoho-module.js';
import { GRADE_FIELDS, GRADE_MODULE } from './grade-fields.js';
import { GRADE_RECORDS } from './grade-records.js';
import { GRADE_SETTINGS, type GradeSettings } from './grade-settings.js';
import { gradeDb } from './grade-store.js';
import { createGradeHandler } from './handle-grade-batch.js';
import * as gradesTable from './migrations/2026-12-08-0020-grades.js';
import { gradeSource } from './poll-moodle-grades.js';

/**
 * The BTEC_Grades module (issue 20): assignment grades flow the other way, from Moodle into Zoho. mzi polls the
 * courses of its classes and upserts one Zoho record per student and assignment.
 */
export const grades: ZohoModule<GradeSettings> = {
  name: 'grade',
  zohoApiName: GRADE_MODULE,
  fields: GRADE_FIELDS,
  settings: GRADE_SETTINGS,
  migrations: { '2026-12-08-0020-grades': gradesTable },
  moodleFunctions: [
    'mod_assign_get_assignments',
    'mod_assign_get_grades',
    'gradereport_user_get_grade_items',
    'core_user_get_users_by_field',
  ],
  testDelivery: {
    fields: [],
    hint: { field: 'Moodle_Grade_Composite_Key', example: '805_10_1' },
  },
  searchKeys: [
    {
      name: 'student',
      read: (data) => data.Student?.trim() || undefined,
      match: (term) => (/^\d{1,32}$/.test(term.trim()) ? term.trim() : undefined),
    },
  ],
  async knownRecords(db, ids) {
    if (ids.length === 0) return new Map();
    const rows = await gradeDb(db)
      .selectFrom('grades')
      .select(['grade_key', 'live'])
      .where('grade_key', 'in', [...ids])
      .execute();
    return new Map(rows.map((row) => [row.grade_key, Number(row.live) === 1]));
  },
  fromMoodle: gradeSource,
  records: GRADE_RECORDS,
  createHandler: ({ settings, zoho }) => createGradeHandler({ settings, zoho }),
};
