import { applyUpdate } from './apply-update.js';
import { claimAccount } from './claim-account.js';
import { liveUserById } from './moodle-user-lookups.js';
import { parseUserId } from './parse-user-id.js';
import type { Person } from './person-kind.js';
import { protectionOf } from './protection-of.js';
import type { ProvisionContext } from './provision-batch.js';
import type { Provisioned, ProvisionInput } from './provisioning.js';
import { storedOwnership } from './stored-ownership.js';

/**
 * delete: suspend, delete or ignore, per the module's `onDelete` setting. Acts only on the account the mirror
 * records for the person, never on one found by a lookup (an account mzi never created or adopted is not its to
 * suspend). A Moodle user id given in a delete (Moodle_User_ID) is not followed.
 */
export async function removeAccount<P extends Person>(
  context: ProvisionContext<P>,
  input: ProvisionInput<P>,
): Promise<Provisioned> {
  if (context.settings.onDelete === 'ignore') return { outcome: { action: 'ignored' }, warnings: [] };
  const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
  if (known === undefined) return { outcome: { action: 'not_linked' }, warnings: [] };
  const user = await liveUserById(context.client, known);
  if (!user) return { outcome: { action: 'not_found' }, warnings: [] };
  const { kind } = context;
  const ownership = claimAccount({
    user,
    matchedBy: 'known_user_id',
    recordId: input.person.recordId,
    idnumber: kind.idnumberOf(input.person),
    emailField: kind.emailField,
    kind,
    stored: storedOwnership(input, user.id),
    protection: await protectionOf(context),
    // A delete never adopts: an account not yet confirmed as the person's stays as it is.
    adopt: 'never',
  });
  const outcome = { user_id: user.id, matched_by: 'known_user_id' as const, ownership };
  if (context.settings.onDelete === 'delete') {
    await context.client.deleteUsers([user.id]);
    return { outcome: { action: 'deleted', ...outcome }, warnings: [] };
  }
  if (user.suspended) return { outcome: { action: 'already_suspended', ...outcome }, warnings: [] };
  await applyUpdate(context.client, { id: user.id, suspended: true });
  return { outcome: { action: 'suspended', ...outcome }, warnings: [] };
}
