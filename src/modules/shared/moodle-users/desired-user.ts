import { randomBytes } from 'node:crypto';

/**
 * The Moodle user a person (a student, a teacher) should be (DESIGN.md §5); empty strings clear a Moodle field.
 * A profile field left out is not mzi's to manage for that kind of person (a teacher has no city in Zoho, so
 * the city of an adopted staff account stays as it is).
 */
export interface DesiredMoodleUser {
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  /** mzi's link to the record ('' when the record has none: a student without Student_ID_Number). */
  idnumber: string;
  phone1: string;
  city?: string;
  country?: string;
  auth: string;
  /** Left out: mzi neither suspends nor reactivates the account on insert and update. */
  suspended?: boolean;
}

/** A person mapped to their Moodle user, with what the operator should know and where the values came from. */
export interface MappedUser {
  user: DesiredMoodleUser;
  /** Data Moodle would drop or that mzi left out, said on the event. */
  warnings: string[];
  /** The Zoho field the email came from (`Academic_Email`, or a teacher's `Email`), named in messages. */
  emailField: string;
  /** The Zoho field the username came from. */
  usernameField: string;
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

/** A password that meets Moodle's default policy, for auth plugins where `createpassword` makes no sense. */
export function randomPolicyPassword(): string {
  return `Mz${randomBytes(18).toString('base64url')}9!`;
}
