import { type MappedUser, splitName, toMoodleUsername } from '../shared/moodle-users/desired-user.js';
import { toCountryCode } from './country-code.js';

/** A student as mzi knows it after merging the delivery into the local mirror. */
export interface StudentForMoodle {
  recordId: string;
  studentIdNumber: string | null;
  email: string | null;
  name: string | null;
  phone: string | null;
  city: string | null;
  country: string | null;
  status: string | null;
}

export interface MappingSettings {
  usernameFrom: 'email' | 'student_id';
  auth: string;
  suspendStatuses: readonly string[];
  lastnameFallback: string;
}

/**
 * Maps a student to the Moodle user it should be. Throws nothing: problems that stop provisioning come back
 * as `problem` (permanent, with a message naming the field), data that Moodle would drop as `warnings`.
 */
export function mapStudentToMoodle(
  student: StudentForMoodle,
  settings: MappingSettings,
): MappedUser | { problem: string } {
  const warnings: string[] = [];
  const email = (student.email ?? '').trim();
  if (email === '')
    return { problem: `Academic_Email is empty for Zoho record ${student.recordId}: Moodle needs an email.` };
  const name = (student.name ?? '').trim();
  if (name === '') {
    return {
      problem: `Name is empty for Zoho record ${student.recordId}: Moodle needs a first and last name. Fill in the student's Name in Zoho and save the record.`,
    };
  }
  const usernameField = settings.usernameFrom === 'email' ? 'Academic_Email' : 'Student_ID_Number';
  const source = settings.usernameFrom === 'email' ? email : (student.studentIdNumber ?? '').trim();
  if (source === '') {
    return {
      problem: `Student_ID_Number is empty for Zoho record ${student.recordId}, and MOODLE_USERNAME_FROM=student_id takes the Moodle username from it.`,
    };
  }
  const username = toMoodleUsername(source);
  if (username === '') {
    return {
      problem: `No valid Moodle username can be made from ${usernameField} of Zoho record ${student.recordId}: Moodle usernames use only a-z, 0-9 and - . @ _.`,
    };
  }
  const { firstname, lastname } = splitName(name, settings.lastnameFallback);
  let country = '';
  if (student.country && student.country.trim() !== '') {
    const code = toCountryCode(student.country);
    if (code) country = code;
    else {
      warnings.push(
        `Country "${student.country.slice(0, 80)}" is not a country mzi recognises: the Moodle country was left empty. Use the English name or the ISO code (e.g. LB) in Zoho.`,
      );
    }
  }
  const status = (student.status ?? '').trim().toLowerCase();
  const suspended = status !== '' && settings.suspendStatuses.some((s) => s.toLowerCase() === status);
  return {
    user: {
      username,
      firstname,
      lastname,
      email,
      idnumber: (student.studentIdNumber ?? '').trim(),
      phone1: (student.phone ?? '').trim().slice(0, 20),
      city: (student.city ?? '').trim().slice(0, 120),
      country,
      auth: settings.auth,
      suspended,
    },
    warnings,
    emailField: 'Academic_Email',
    usernameField,
  };
}
