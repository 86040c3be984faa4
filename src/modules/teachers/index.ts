import type { BatchEventHandler } from '../../worker/event-handler.js';
import { lazyBatchHandler } from '../shared/lazy-batch-handler.js';
import { knownMirrorRecords, mirrorMoodleLinks, mirrorVersions } from '../shared/mirror-queries.js';
import { mirrorWriteBack } from '../shared/mirror-write-back.js';
import { PERSON_MOODLE_FUNCTIONS } from '../shared/moodle-users/person-moodle-functions.js';
import type { ModuleHandlerContext, ZohoModule } from '../zoho-module.js';
import * as teachersTable from './migrations/2026-12-07-0011-teachers.js';
import { TEACHER_FIELDS, TEACHER_MODULE } from './teacher-fields.js';
import { TEACHER_RECORDS } from './teacher-records.js';
import { TEACHER_SETTINGS, type TeacherSettings } from './teacher-settings.js';
import { teacherMoodleUserHolders } from './teacher-store.js';

const emailKey = (name: string, apiName: string) => ({
  name,
  read: (data: Partial<Record<string, string | null>>) =>
    data[apiName]?.trim().toLowerCase().slice(0, 320) || undefined,
  match: (term: string) => (term.includes('@') ? term.trim().toLowerCase() : undefined),
});

/**
 * The BTEC_Teachers module: teachers mirrored locally and provisioned as Moodle users by the same rules as
 * students (DESIGN.md §5), linked by MOODLE_TEACHER_IDNUMBER_PREFIX + record id; classes enrol them.
 */
export const teachers: ZohoModule<TeacherSettings> = {
  name: 'teacher',
  zohoApiName: TEACHER_MODULE,
  fields: TEACHER_FIELDS,
  settings: TEACHER_SETTINGS,
  migrations: { '2026-12-07-0011-teachers': teachersTable },
  moodleFunctions: PERSON_MOODLE_FUNCTIONS,
  testDelivery: {
    fields: [
      { apiName: 'Name', label: 'Name', value: 'Test Teacher' },
      { apiName: 'Academic_Email', label: 'Academic email', value: 'test.teacher@school.example.edu' },
      { apiName: 'Phone_Number', label: 'Phone', value: '+961 1 000 000' },
    ],
    hint: { field: 'Academic_Email', example: 'teacher@school.edu' },
  },
  // An operator finds a teacher's events by either address, in any case.
  searchKeys: [emailKey('academic_email', 'Academic_Email'), emailKey('email', 'Email')],
  knownRecords: (db, ids) => knownMirrorRecords(db, 'teachers', ids),
  mirrorVersions: (db, ids) => mirrorVersions(db, 'teachers', ids),
  moodleLinks: (db, ids) => mirrorMoodleLinks(db, 'teachers', 'moodle_user_id', ids),
  moodleUserHolders: teacherMoodleUserHolders,
  zohoWriteBack: mirrorWriteBack<TeacherSettings>({
    table: 'teachers',
    column: 'moodle_user_id',
    field: () => 'Teacher_Moodle_ID',
  }),
  createHandler: (context) => lazyTeacherHandler(context),
  records: TEACHER_RECORDS,
  doctorChecks: (settings) => [teacherAccountsCheck(settings)],
};

const ON_DELETE: Record<TeacherSettings['onDelete'], string> = {
  ignore: 'kept',
  suspend: 'suspended',
  delete: 'deleted',
};

/** How teachers' accounts are linked and what a delete in Zoho does to them. */
function teacherAccountsCheck(settings: TeacherSettings) {
  return {
    name: 'moodle teacher accounts',
    status: 'ok' as const,
    detail: `links a teacher's account by idnumber ${settings.idnumberPrefix}<Zoho record id> (MOODLE_TEACHER_IDNUMBER_PREFIX), under the same account policy as students; a deleted teacher's account is ${ON_DELETE[settings.onDelete]} (MOODLE_ON_TEACHER_DELETE=${settings.onDelete})`,
  };
}

/** The handler, loaded on its first batch, by the thread that processes events only. */
function lazyTeacherHandler({
  settings,
  moodle,
  holdersOf,
}: ModuleHandlerContext<TeacherSettings>): BatchEventHandler {
  return lazyBatchHandler(() =>
    Promise.all([
      import('./handle-teacher-event.js'),
      import('../shared/moodle-users/create-user-provisioner.js'),
      import('./teacher-kind.js'),
    ]).then(([{ createTeacherHandler }, { createUserProvisioner }, { teacherKind }]) =>
      createTeacherHandler({
        provisioner: moodle ? createUserProvisioner(moodle, settings, teacherKind(settings)) : undefined,
        holdersOf,
      }),
    ),
  );
}
