import type { MoodleClient, MoodleUserUpdate } from '../../../moodle/create-moodle-client.js';
import { MoodleWarningError } from '../../../moodle/moodle-errors.js';

/** Updates one user; a warning about it (Moodle answers 200 with warnings) is an error. */
export async function applyUpdate(client: MoodleClient, update: MoodleUserUpdate): Promise<void> {
  const { warnings } = await client.updateUsers([update]);
  const ours = warnings.find((w) => w.itemid === undefined || w.itemid === update.id);
  if (ours) throw new MoodleWarningError({ wsfunction: 'core_user_update_users', warning: ours });
}
