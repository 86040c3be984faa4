import type { BatchEventHandler } from '../../worker/event-handler.js';
import { lazyBatchHandler } from '../shared/lazy-batch-handler.js';
import { knownMirrorRecords, mirrorVersions } from '../shared/mirror-queries.js';
import type { ModuleHandlerContext, ModuleRecords, SearchKey, ZohoModule } from '../zoho-module.js';
import { ENROLLMENT_FIELDS, ENROLLMENT_MODULE, type EnrollmentField } from './enrollment-fields.js';
import { ENROLLMENT_RECORDS } from './enrollment-records.js';
import { ENROLLMENT_SETTINGS, type EnrollmentSettings } from './enrollment-settings.js';
import type { EnrollmentRow } from './enrollment-store.js';
import { enrolmentPolicyCheck } from './enrolment-policy-check.js';
import * as enrollmentsTable from './migrations/2026-12-07-0014-enrollments.js';

/** A Zoho record id as an operator types it; anything else cannot be one. */
const recordIdTerm = (term: string) => (/^[A-Za-z0-9_-]{1,128}$/.test(term.trim()) ? term.trim() : undefined);

/** A lookup's record id, as intake stored it. */
const lookupKey =
  (apiName: string): SearchKey['read'] =>
  (data) => {
    const value = data[apiName]?.trim();
    return value ? value.slice(0, 128) : undefined;
  };

/**
 * The BTEC_Enrollments module: each enrollment puts its student (Enrolled_Students) in its class's Moodle
 * course with the student role, its dates and status (issue 17, item 4).
 */
export const enrollments: Omit<ZohoModule<EnrollmentSettings>, 'fields'> & {
  readonly fields: readonly EnrollmentField[];
  readonly records: ModuleRecords<EnrollmentRow>;
} = {
  name: 'enrollment',
  zohoApiName: ENROLLMENT_MODULE,
  fields: ENROLLMENT_FIELDS,
  settings: ENROLLMENT_SETTINGS,
  migrations: { '2026-12-07-0014-enrollments': enrollmentsTable },
  moodleFunctions: ['enrol_manual_enrol_users', 'enrol_manual_unenrol_users', 'core_user_get_users_by_field'],
  testDelivery: {
    fields: [
      { apiName: 'Enrolled_Students', label: 'Student record id', value: '5725767000000000001' },
      { apiName: 'Classes', label: 'Class record id', value: '5725767000000000101' },
      { apiName: 'Start_Date', label: 'Start date', value: '2027-01-04' },
      { apiName: 'End_Date', label: 'End date', value: '2027-06-30' },
      { apiName: 'Enrollment_Status', label: 'Status', value: 'Active' },
    ],
    hint: { field: 'Classes', example: '5725767000000000101' },
  },
  // Operators look for a class's or a student's enrollments by that record's id (the enrollment's own id is the
  // event's record id already).
  searchKeys: [
    { name: 'class_record_id', read: lookupKey('Classes'), match: recordIdTerm },
    { name: 'student_record_id', read: lookupKey('Enrolled_Students'), match: recordIdTerm },
  ],
  knownRecords: (db, ids) => knownMirrorRecords(db, 'enrollments', ids),
  mirrorVersions: (db, ids) => mirrorVersions(db, 'enrollments', ids),
  waitsFor: (data) => [
    ...(data.Enrolled_Students?.trim()
      ? [{ module: 'student', recordId: data.Enrolled_Students.trim() }]
      : []),
    ...(data.Classes?.trim() ? [{ module: 'class', recordId: data.Classes.trim() }] : []),
  ],
  waitLimitSeconds: (settings) => settings.waitLimitSeconds,
  doctorChecks: (settings) => [enrolmentPolicyCheck(settings)],
  createHandler: (context) => lazyEnrollmentHandler(context),
  records: ENROLLMENT_RECORDS,
};

/** The handler, loaded on its first batch, by the thread that processes events only. */
function lazyEnrollmentHandler({
  settings,
  moodle,
  linksOf,
}: ModuleHandlerContext<EnrollmentSettings>): BatchEventHandler {
  return lazyBatchHandler(() =>
    import('./handle-enrollment-batch.js').then(({ createEnrollmentHandler }) =>
      createEnrollmentHandler({ settings, moodle, linksOf }),
    ),
  );
}
