import { applyUpdate } from './apply-update.js';
import { claimAccount } from './claim-account.js';
import { liveUserById } from './moodle-user-lookups.js';
import { parseUserId } from './parse-user-id.js';
import { protectionOf } from './protection-of.js';
import type { ProvisionContext } from './provision-batch.js';
import type { Provisioned, ProvisionInput } from './provisioning.js';
import { storedOwnership } from './stored-ownership.js';

/**
 * delete: suspend, delete or ignore, per MOODLE_ON_DELETE. Acts only on the account the mirror records for the
 * student, never on one found by a lookup (an account mzi never created or adopted is not its to suspend).
 * Moodle_User_ID in a delete is not followed.
 */
export async function removeStudentAccount(
  context: ProvisionContext,
  input: ProvisionInput,
): Promise<Provisioned> {
  if (context.settings.onDelete === 'ignore') return { outcome: { action: 'ignored' }, warnings: [] };
  const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
  if (known === undefined) return { outcome: { action: 'not_linked' }, warnings: [] };
  const user = await liveUserById(context.client, known);
  if (!user) return { outcome: { action: 'not_found' }, warnings: [] };
  const ownership = claimAccount({
    user,
    matchedBy: 'known_user_id',
    recordId: input.student.recordId,
    idnumber: (input.student.studentIdNumber ?? '').trim(),
    stored: storedOwnership(input, user.id),
    protection: await protectionOf(context),
    // A delete never adopts: an account not yet confirmed as the student's stays as it is.
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
