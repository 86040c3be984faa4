import type { MoodleUser, MoodleUserUpdate } from '../../../moodle/create-moodle-client.js';
import type { DesiredMoodleUser } from './desired-user.js';

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
    const wanted = desired[field];
    // A field the person's kind does not manage (a teacher's city) stays as it is.
    if (wanted === undefined) continue;
    const current = user[field] ?? '';
    const same =
      field === 'email' || field === 'username'
        ? current.toLowerCase() === wanted.toLowerCase()
        : current === wanted;
    if (!same) {
      update[field] = wanted;
      changed.push(field);
    }
  }
  if (desired.suspended !== undefined && user.suspended !== desired.suspended) {
    update.suspended = desired.suspended;
    changed.push('suspended');
  }
  return { update, changed };
}
