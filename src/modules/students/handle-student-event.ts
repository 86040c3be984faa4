import type { StudentRow } from '../../db/schema.js';
import type { BatchEventHandler } from '../../worker/event-handler.js';
import { createPersonHandler, type PersonModuleHooks } from '../shared/moodle-users/create-person-handler.js';
import type { UserProvisioner } from '../shared/moodle-users/create-user-provisioner.js';
import { validateFieldLengths } from '../shared/validate-field-lengths.js';
import type { HoldersOf, RecordData } from '../zoho-module.js';
import type { StudentForMoodle } from './map-student.js';
import { STUDENT_FIELDS } from './student-fields.js';
import { assertStudentIdAvailable, findStudents, upsertStudent } from './student-store.js';
import { validateStudent } from './validate-student.js';

export interface StudentHandlerOptions {
  /** Absent when Moodle is not configured: the event then says so in its result. */
  provisioner?: UserProvisioner<StudentForMoodle> | undefined;
  /** Who holds Moodle users, across every module whose records are Moodle users. */
  holdersOf: HoldersOf;
}

/** What students add to the shared handling of people: their fields, rules and mirror. */
const STUDENT_HOOKS: PersonModuleHooks<StudentRow, StudentForMoodle> = {
  find: findStudents,
  read({ recordId, data, current }) {
    validateFieldLengths(STUDENT_FIELDS, recordId, data);
    return {
      person: mergeStudent(recordId, current, data),
      givenMoodleUserId: nonEmpty(data.Moodle_User_ID),
    };
  },
  async check(student, { db, provisioning }) {
    validateStudent({ recordId: student.recordId, academicEmail: student.email });
    // Checked before Moodle too: a taken Student_ID_Number would otherwise find the other student's account.
    if (provisioning) await assertStudentIdAvailable(db, student.recordId, student.studentIdNumber);
  },
  write: upsertStudent,
};

/**
 * Processes BTEC_Students events, a batch at a time (the shared handling of people, createPersonHandler):
 * validate, provision Moodle (batched, when configured), then mirror locally.
 */
export function createStudentHandler(options: StudentHandlerOptions): BatchEventHandler {
  return createPersonHandler({ hooks: STUDENT_HOOKS, ...options });
}

/** The student after this delivery: its fields where it carries them, the stored ones elsewhere. */
function mergeStudent(recordId: string, current: StudentRow | undefined, data: RecordData): StudentForMoodle {
  const value = (apiName: string): string | null => {
    const incoming = data[apiName];
    if (incoming !== undefined) return incoming;
    const field = STUDENT_FIELDS.find((f) => f.apiName === apiName);
    return field && current ? (current[field.column] ?? null) : null;
  };
  return {
    recordId,
    studentIdNumber: value('Student_ID_Number'),
    email: value('Academic_Email'),
    name: value('Name'),
    phone: value('Phone'),
    city: value('City'),
    country: value('Country'),
    status: value('Student_Status'),
  };
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}
