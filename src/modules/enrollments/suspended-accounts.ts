import type { Logger } from 'pino';
import type { MoodleClient } from '../../moodle/create-moodle-client.js';

/**
 * Of these Moodle users, the ones whose account is suspended. Moodle enrols a suspended account without a word
 * (155), and the student then cannot log in: worth a warning on the event. One call for a batch; a failure
 * only costs the warning.
 */
export async function suspendedAccounts(
  moodle: MoodleClient,
  userIds: readonly number[],
  logger: Logger,
): Promise<Set<number>> {
  if (userIds.length === 0) return new Set();
  try {
    const users = await moodle.getUsersByField('id', [...new Set(userIds)]);
    return new Set(users.filter((user) => user.suspended === true).map((user) => user.id));
  } catch (error) {
    logger.warn({ err: error }, 'could not check whether the enrolled students can log in to Moodle');
    return new Set();
  }
}
