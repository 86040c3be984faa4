import type { MoodleUser, MoodleUserUpdate } from '../../moodle/create-moodle-client.js';
import type { DesiredMoodleUser } from './map-student.js';

/** Fields mzi keeps in step on every account it owns. */
const PROFILE_FIELDS = ['firstname', 'lastname', 'email', 'idnumber', 'phone1', 'city', 'country'] as const;
/** Fields that decide how someone logs in: changed only on accounts mzi created. */
const LOGIN_FIELDS = ['username', 'auth'] as const;

/**
 * The fields that differ between a Moodle user and what it should be (emails and usernames ignore case).
 * Username and auth only for an account mzi created: renaming an adopted or linked account, or switching its
 * login method, could lock its owner out (Moodle's user upload does not rename either unless told to).
 */
export function diffUser(
  user: MoodleUser,
  desired: DesiredMoodleUser,
  manageLogin: boolean,
): { update: MoodleUserUpdate; changed: string[] } {
  const update: MoodleUserUpdate = { id: user.id };
  const changed: string[] = [];
  const fields = manageLogin ? [...LOGIN_FIELDS, ...PROFILE_FIELDS] : PROFILE_FIELDS;
  for (const field of fields) {
    const current = user[field] ?? '';
    const same =
      field === 'email' || field === 'username'
        ? current.toLowerCase() === desired[field].toLowerCase()
        : current === desired[field];
    if (!same) {
      update[field] = desired[field];
      changed.push(field);
    }
  }
  if (user.suspended !== desired.suspended) {
    update.suspended = desired.suspended;
    changed.push('suspended');
  }
  return { update, changed };
}
