import type { BatchEventHandler } from '../../worker/event-handler.js';
import { createPersonHandler, type PersonModuleHooks } from '../shared/moodle-users/create-person-handler.js';
import type { UserProvisioner } from '../shared/moodle-users/create-user-provisioner.js';
import { validateFieldLengths } from '../shared/validate-field-lengths.js';
import type { HoldersOf, RecordData } from '../zoho-module.js';
import { type TeacherForMoodle, teacherEmail } from './map-teacher.js';
import { TEACHER_FIELDS } from './teacher-fields.js';
import { findTeachers, upsertTeacher } from './teacher-store.js';
import type { TeacherRow } from './teacher-table.js';
import { validateTeacher } from './validate-teacher.js';

export interface TeacherHandlerOptions {
  /** Absent when Moodle is not configured: the event then says so in its result. */
  provisioner?: UserProvisioner<TeacherForMoodle> | undefined;
  /** Who holds Moodle users, across every module whose records are Moodle users (students too). */
  holdersOf: HoldersOf;
}

/** What teachers add to the shared handling of people: their fields, rule and mirror. */
const TEACHER_HOOKS: PersonModuleHooks<TeacherRow, TeacherForMoodle> = {
  find: findTeachers,
  read({ recordId, data, current }) {
    validateFieldLengths(TEACHER_FIELDS, recordId, data);
    const teacher = mergeTeacher(recordId, current, data);
    const chosen = teacherEmail(teacher);
    return {
      person: teacher,
      givenMoodleUserId: nonEmpty(data.Teacher_Moodle_ID),
      // Which of the two addresses Moodle gets, so an operator sees why (issue 17).
      ...(chosen ? { result: { email_from: chosen.field } } : {}),
    };
  },
  async check(teacher) {
    validateTeacher(teacher);
  },
  write: upsertTeacher,
};

/**
 * Processes BTEC_Teachers events, a batch at a time, exactly as students' (createPersonHandler): the same
 * account rules, without any status that suspends.
 */
export function createTeacherHandler(options: TeacherHandlerOptions): BatchEventHandler {
  return createPersonHandler({ hooks: TEACHER_HOOKS, ...options });
}

/** The teacher after this delivery: its fields where it carries them, the stored ones elsewhere. */
function mergeTeacher(recordId: string, current: TeacherRow | undefined, data: RecordData): TeacherForMoodle {
  const value = (apiName: string): string | null => {
    const incoming = data[apiName];
    if (incoming !== undefined) return incoming;
    const field = TEACHER_FIELDS.find((f) => f.apiName === apiName);
    return field && current ? (current[field.column] ?? null) : null;
  };
  return {
    recordId,
    name: value('Name'),
    academicEmail: value('Academic_Email'),
    email: value('Email'),
    phone: value('Phone_Number'),
    // Back after a delete that suspended the account: undo that suspension, and only that one.
    reactivate: current?.deleted_at != null && current.moodle_suspended_at !== null,
  };
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}
