import { type MappedUser, splitName, toMoodleUsername } from '../shared/moodle-users/desired-user.js';

/** A teacher as mzi knows it after merging the delivery into the local mirror. */
export interface TeacherForMoodle {
  recordId: string;
  name: string | null;
  academicEmail: string | null;
  email: string | null;
  phone: string | null;
  /** The account was suspended by mzi when the teacher was deleted in Zoho, and the teacher is back. */
  reactivate: boolean;
}

export interface TeacherMappingSettings {
  idnumberPrefix: string;
  auth: string;
  lastnameFallback: string;
}

/** The address Moodle gets: Academic_Email when filled, else Email; and which field it came from. */
export function teacherEmail(
  teacher: Pick<TeacherForMoodle, 'academicEmail' | 'email'>,
): { email: string; field: 'Academic_Email' | 'Email' } | undefined {
  const academic = (teacher.academicEmail ?? '').trim();
  if (academic !== '') return { email: academic, field: 'Academic_Email' };
  const other = (teacher.email ?? '').trim();
  return other === '' ? undefined : { email: other, field: 'Email' };
}

/** mzi's link to a teacher's account: the Moodle idnumber. */
export function teacherIdnumber(recordId: string, prefix: string): string {
  return `${prefix}${recordId}`;
}

/**
 * Maps a teacher to the Moodle user it should be: username and email from the teacher's email, idnumber from
 * the Zoho record id. A teacher's account is never suspended by a status (teachers have none); mzi leaves its
 * suspension alone, except to reactivate an account it suspended itself when the teacher was deleted.
 */
export function mapTeacherToMoodle(
  teacher: TeacherForMoodle,
  settings: TeacherMappingSettings,
): MappedUser | { problem: string } {
  const chosen = teacherEmail(teacher);
  if (!chosen) {
    return {
      problem: `Academic_Email and Email are both empty for Zoho record ${teacher.recordId}: Moodle needs an email. Fill in the teacher's Academic Email in Zoho and save the record.`,
    };
  }
  const name = (teacher.name ?? '').trim();
  if (name === '') {
    return {
      problem: `Name is empty for Zoho record ${teacher.recordId}: Moodle needs a first and last name. Fill in the teacher's Name in Zoho and save the record.`,
    };
  }
  const username = toMoodleUsername(chosen.email);
  if (username === '') {
    return {
      problem: `No valid Moodle username can be made from ${chosen.field} of Zoho record ${teacher.recordId}: Moodle usernames use only a-z, 0-9 and - . @ _.`,
    };
  }
  const { firstname, lastname } = splitName(name, settings.lastnameFallback);
  return {
    user: {
      username,
      firstname,
      lastname,
      email: chosen.email,
      idnumber: teacherIdnumber(teacher.recordId, settings.idnumberPrefix),
      phone1: (teacher.phone ?? '').trim().slice(0, 20),
      auth: settings.auth,
      ...(teacher.reactivate ? { suspended: false } : {}),
    },
    warnings: [],
    emailField: chosen.field,
    usernameField: chosen.field,
  };
}
