import type { PersonKind } from '../shared/moodle-users/person-kind.js';
import {
  mapTeacherToMoodle,
  type TeacherForMoodle,
  type TeacherMappingSettings,
  teacherIdnumber,
} from './map-teacher.js';

/** Teachers as the shared provisioning sees them: linked by MOODLE_TEACHER_IDNUMBER_PREFIX + record id. */
export function teacherKind(settings: TeacherMappingSettings): PersonKind<TeacherForMoodle> {
  return {
    module: 'teacher',
    noun: 'teacher',
    emailField: 'Academic_Email',
    moodleUserIdField: 'Teacher_Moodle_ID',
    idnumberMeaning: 'teacher idnumber (MOODLE_TEACHER_IDNUMBER_PREFIX + Zoho record id)',
    identityFields: 'Academic_Email, Email or Teacher_Moodle_ID',
    idnumberAdvice: (idnumber) => `"${idnumber}" (MOODLE_TEACHER_IDNUMBER_PREFIX + the Zoho record id)`,
    idnumberOf: (teacher) => teacherIdnumber(teacher.recordId, settings.idnumberPrefix),
    map: (teacher) => mapTeacherToMoodle(teacher, settings),
  };
}
