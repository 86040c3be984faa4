import { knownMirrorRecords, mirrorMoodleLinks, mirrorVersions } from '../shared/mirror-queries.js';
import { mirrorWriteBack } from '../shared/mirror-write-back.js';
import type { ZohoModule } from '../zoho-module.js';
import { linkedClassCourses } from './class-courses.js';
import { classCoursesCheck } from './class-doctor-check.js';
import { CLASS_FIELDS, CLASS_MODULE } from './class-fields.js';
import { CLASS_RECORDS } from './class-records.js';
import { CLASS_SETTINGS, type ClassSettings } from './class-settings.js';
import { createClassHandler } from './handle-class-event.js';
import * as classesTable from './migrations/2026-12-07-0013-classes.js';

/** The BTEC_Classes module: each class a Moodle course linked by idnumber, with its teacher (issue 17). */
export const classes: ZohoModule<ClassSettings> = {
  name: 'class',
  zohoApiName: CLASS_MODULE,
  fields: CLASS_FIELDS,
  settings: CLASS_SETTINGS,
  migrations: { '2026-12-07-0013-classes': classesTable },
  moodleFunctions: [
    'core_course_get_courses_by_field',
    'core_course_create_courses',
    'core_course_update_courses',
    'enrol_manual_enrol_users',
    'enrol_manual_unenrol_users',
    'core_enrol_get_enrolled_users',
  ],
  testDelivery: {
    fields: [
      { apiName: 'Class_Name', label: 'Class name', value: 'BTEC IT Level 3 - Test Class' },
      { apiName: 'Class_Short_Name', label: 'Short name', value: 'TEST-IT-L3' },
      { apiName: 'Class_Status', label: 'Status', value: 'Active' },
      { apiName: 'Start_Date', label: 'Start date', value: '2027-01-04' },
      { apiName: 'End_Date', label: 'End date', value: '2027-06-30' },
    ],
    hint: { field: 'Class_Short_Name', example: 'IT-L3-2027' },
  },
  // A term is a class short name, compared in lower case as Moodle's uniqueness does not (it is exact).
  searchKeys: [
    {
      name: 'class_short_name',
      read: (data) => data.Class_Short_Name?.trim().toLowerCase().slice(0, 255) || undefined,
      match: (term) => term.trim().toLowerCase() || undefined,
    },
  ],
  knownRecords: (db, ids) => knownMirrorRecords(db, 'classes', ids),
  mirrorVersions: (db, ids) => mirrorVersions(db, 'classes', ids),
  waitsFor: (data) => [
    ...(data.BTEC_Program?.trim() ? [{ module: 'program', recordId: data.BTEC_Program.trim() }] : []),
    ...(data.Teacher?.trim() ? [{ module: 'teacher', recordId: data.Teacher.trim() }] : []),
  ],
  moodleLinks: (db, ids) => mirrorMoodleLinks(db, 'classes', 'moodle_course_id', ids),
  linkedCourses: linkedClassCourses,
  zohoWriteBack: mirrorWriteBack({
    table: 'classes',
    column: 'moodle_course_id',
    field: () => 'Moodle_Class_ID',
  }),
  createHandler: ({ settings, moodle, linksOf }) => createClassHandler({ settings, moodle, linksOf }),
  records: CLASS_RECORDS,
  doctorChecks: (settings) => [classCoursesCheck(settings)],
};
