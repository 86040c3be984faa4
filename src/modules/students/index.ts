import type { BatchEventHandler } from '../../worker/event-handler.js';
import { lazyBatchHandler } from '../shared/lazy-batch-handler.js';
import { knownMirrorRecords, mirrorMoodleLinks, mirrorVersions } from '../shared/mirror-queries.js';
import { mirrorWriteBack } from '../shared/mirror-write-back.js';
import { PERSON_MOODLE_FUNCTIONS } from '../shared/moodle-users/person-moodle-functions.js';
import type { ModuleHandlerContext, ZohoModule } from '../zoho-module.js';
import * as moodleOwnership from './migrations/2026-12-07-0007-moodle-ownership.js';
import { STUDENT_FIELDS, STUDENT_MODULE, type StudentField } from './student-fields.js';
import { STUDENT_RECORDS } from './student-records.js';
import { STUDENT_SETTINGS, type StudentSettings } from './student-settings.js';
import { studentMoodleUserHolders } from './student-store.js';

/** The BTEC_Students module: students mirrored locally and provisioned as Moodle users (DESIGN.md §4–§5). */
export const students: Omit<ZohoModule<StudentSettings>, 'fields'> & {
  readonly fields: readonly StudentField[];
} = {
  name: 'student',
  zohoApiName: STUDENT_MODULE,
  fields: STUDENT_FIELDS,
  settings: STUDENT_SETTINGS,
  migrations: { '2026-12-07-0007-moodle-ownership': moodleOwnership },
  moodleFunctions: PERSON_MOODLE_FUNCTIONS,
  testDelivery: {
    fields: [
      { apiName: 'Name', label: 'Name', value: 'Test Student' },
      { apiName: 'Academic_Email', label: 'Academic email', value: 'test.student@student.example.edu' },
      { apiName: 'Student_ID_Number', label: 'Student ID', value: 'TEST-0001' },
      { apiName: 'Country', label: 'Country', value: 'Lebanon' },
      { apiName: 'Student_Status', label: 'Status', value: 'Active' },
    ],
    hint: { field: 'Academic_Email', example: 'a@b.edu' },
  },
  // A term with an `@` is an email (any case), anything else a student ID, exactly as typed.
  searchKeys: [
    {
      name: 'academic_email',
      read: (data) => data.Academic_Email?.toLowerCase().slice(0, 320),
      match: (term) => (term.includes('@') ? term.toLowerCase() : undefined),
    },
    {
      name: 'student_id_number',
      read: (data) => data.Student_ID_Number?.slice(0, 128),
      match: (term) => (term.includes('@') ? undefined : term),
    },
  ],
  knownRecords: (db, ids) => knownMirrorRecords(db, 'students', ids),
  mirrorVersions: (db, ids) => mirrorVersions(db, 'students', ids),
  moodleLinks: (db, ids) => mirrorMoodleLinks(db, 'students', 'moodle_user_id', ids),
  moodleUserHolders: studentMoodleUserHolders,
  zohoWriteBack: mirrorWriteBack<StudentSettings>({
    table: 'students',
    column: 'moodle_user_id',
    field: (settings) => settings.zohoMoodleIdField,
    setting: 'ZOHO_MOODLE_ID_FIELD',
  }),
  createHandler: (context) => lazyStudentHandler(context),
  doctorChecks: (settings, site) => [accountPolicyCheck(settings, site)],
  records: STUDENT_RECORDS,
};

/**
 * The handler, loaded on its first batch: validation, Moodle mapping and country names are loaded only by the
 * thread that processes events, not by the one that serves HTTP.
 */
function lazyStudentHandler({
  settings,
  moodle,
  holdersOf,
}: ModuleHandlerContext<StudentSettings>): BatchEventHandler {
  return lazyBatchHandler(() =>
    Promise.all([
      import('./handle-student-event.js'),
      import('../shared/moodle-users/create-user-provisioner.js'),
      import('./student-kind.js'),
    ]).then(([{ createStudentHandler }, { createUserProvisioner }, { studentKind }]) =>
      createStudentHandler({
        provisioner: moodle ? createUserProvisioner(moodle, settings, studentKind(settings)) : undefined,
        holdersOf,
      }),
    ),
  );
}

/** Which existing Moodle accounts mzi may adopt, and which it never changes (DESIGN.md §5). */
function accountPolicyCheck(settings: StudentSettings, site: { userid: number; username: string }) {
  const listed = settings.protectedUsers.length;
  const adopt =
    settings.adoptExisting === 'unlinked'
      ? 'adopts an existing account with an empty idnumber (MOODLE_ADOPT_EXISTING=unlinked)'
      : 'adopts no existing account (MOODLE_ADOPT_EXISTING=never)';
  return {
    name: 'moodle accounts',
    status: 'ok' as const,
    detail: `${adopt}; never changes the token's user ${site.username} (id ${site.userid}), admin, guest${listed > 0 ? ` and the ${listed} account(s) of MOODLE_PROTECTED_USERS` : ''}`,
  };
}
