import type { PersonKind } from '../shared/moodle-users/person-kind.js';
import { type MappingSettings, mapStudentToMoodle, type StudentForMoodle } from './map-student.js';

/** Students as the shared provisioning sees them: linked by Student_ID_Number as the Moodle idnumber. */
export function studentKind(settings: MappingSettings): PersonKind<StudentForMoodle> {
  return {
    module: 'student',
    noun: 'student',
    emailField: 'Academic_Email',
    moodleUserIdField: 'Moodle_User_ID',
    idnumberMeaning: 'Student_ID_Number (as idnumber)',
    identityFields: 'Academic_Email or Student_ID_Number',
    idnumberAdvice: () => "the student's Student_ID_Number",
    idnumberOf: (student) => (student.studentIdNumber ?? '').trim(),
    map: (student) => mapStudentToMoodle(student, settings),
  };
}
