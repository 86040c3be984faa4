import type { MoodleClient, MoodleUser } from '../../../moodle/create-moodle-client.js';

/** A live (not deleted) user by id; `core_user_get_users` excludes deleted users, unlike get_users_by_field. */
export async function liveUserById(client: MoodleClient, id: number): Promise<MoodleUser | undefined> {
  const { users } = await client.getUsers([{ key: 'id', value: String(id) }]);
  return users.find((user) => user.id === id);
}

/**
 * Users whose email is one of these, ignoring case. get_users_by_field compares as the site's database does
 * (case-sensitive on PostgreSQL), while Moodle refuses a new account whose email differs only in case; so does
 * a takeover by `Admin@Example.com`. core_user_get_users matches email with a case-insensitive LIKE (`_` and `%`
 * are wildcards, so callers keep exact matches), one email per call: its criteria are ANDed.
 */
export async function lookupEmails(client: MoodleClient, emails: string[]): Promise<MoodleUser[]> {
  const distinct = [...new Set(emails.map((email) => email.toLowerCase()))];
  const found = await Promise.all(
    distinct.map(async (email) => (await client.getUsers([{ key: 'email', value: email }])).users),
  );
  return found.flat();
}

/** Each user once (two lookup values, such as an email and its lowercase, can return the same user). */
export function uniqueUsers(users: MoodleUser[]): MoodleUser[] {
  return [...new Map(users.map((user) => [user.id, user])).values()];
}
