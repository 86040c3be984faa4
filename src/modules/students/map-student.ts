import { randomBytes } from 'node:crypto';
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

/** The Moodle user a student should be (DESIGN.md §5); empty strings clear a Moodle field. */
export interface DesiredMoodleUser {
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  idnumber: string;
  phone1: string;
  city: string;
  country: string;
  auth: string;
  suspended: boolean;
}

/**
 * Moodle's own username rule (clean_param PARAM_USERNAME with extendedusernamechars off): lowercase, then
 * only `[-.@_a-z0-9]` kept. Moodle rejects other usernames rather than fixing them, so mzi fixes them first.
 */
export function toMoodleUsername(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[^-.@_a-z0-9]/g, '');
}

/** First word → firstname, the rest → lastname; a single word gets the configured fallback last name. */
export function splitName(name: string, lastnameFallback: string): { firstname: string; lastname: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const [first = '', ...rest] = words;
  return { firstname: first, lastname: rest.length > 0 ? rest.join(' ') : lastnameFallback };
}

/**
 * Maps a student to the Moodle user it should be. Throws nothing: problems that stop provisioning come back
 * as `problem` (permanent, with a message naming the field), data that Moodle would drop as `warnings`.
 */
export function mapStudentToMoodle(
  student: StudentForMoodle,
  settings: MappingSettings,
): { user: DesiredMoodleUser; warnings: string[] } | { problem: string } {
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
  const source = settings.usernameFrom === 'email' ? email : (student.studentIdNumber ?? '').trim();
  if (source === '') {
    return {
      problem: `Student_ID_Number is empty for Zoho record ${student.recordId}, and MOODLE_USERNAME_FROM=student_id takes the Moodle username from it.`,
    };
  }
  const username = toMoodleUsername(source);
  if (username === '') {
    return {
      problem: `No valid Moodle username can be made from ${settings.usernameFrom === 'email' ? 'Academic_Email' : 'Student_ID_Number'} of Zoho record ${student.recordId}: Moodle usernames use only a-z, 0-9 and - . @ _.`,
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
  };
}

/** A password that meets Moodle's default policy, for auth plugins where `createpassword` makes no sense. */
export function randomPolicyPassword(): string {
  return `Mz${randomBytes(18).toString('base64url')}9!`;
}
