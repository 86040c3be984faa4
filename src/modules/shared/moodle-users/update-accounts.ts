import type { MoodleUser } from '../../../moodle/create-moodle-client.js';
import { MoodleException, MoodleWarningError } from '../../../moodle/moodle-errors.js';
import { applyUpdate } from './apply-update.js';
import { checkRenames } from './check-renames.js';
import type { MatchedBy, MoodleOwnership } from './claim-account.js';
import { diffUser } from './diff-user.js';
import {
  failPlan,
  openPlans,
  type PendingUpdate,
  type ProvisionBatch,
  type ProvisionContext,
} from './provision-batch.js';
import type { MoodleOutcome } from './provisioning.js';

/** Updates the claimed accounts that differ (and suspends new ones) in one call; a username change is checked first. */
export async function updateAccounts(
  context: ProvisionContext,
  batch: ProvisionBatch,
  suspensions: PendingUpdate[],
): Promise<void> {
  const updates = [...suspensions];
  for (const plan of openPlans(batch).filter((candidate) => candidate.found && candidate.ownership)) {
    const { user, matchedBy } = plan.found as { user: MoodleUser; matchedBy: MatchedBy };
    const ownership = plan.ownership as MoodleOwnership;
    const { update, changed } = diffUser(user, plan.desired, ownership === 'created');
    const outcome: MoodleOutcome = {
      action: 'unchanged',
      user_id: user.id,
      matched_by: matchedBy,
      ownership,
    };
    if (changed.length === 0) batch.results[plan.index] = { ok: true, outcome, warnings: plan.warnings };
    else updates.push({ plan, update, outcome: { ...outcome, action: 'updated', changed } });
  }
  await checkRenames(context, batch, updates);
  const toUpdate = updates.filter((u) => batch.results[u.plan.index] === undefined);
  if (toUpdate.length === 0) return;
  const done = (u: PendingUpdate) => {
    batch.results[u.plan.index] = { ok: true, outcome: u.outcome, warnings: u.plan.warnings };
  };
  try {
    const { warnings } = await context.client.updateUsers(toUpdate.map((u) => u.update));
    for (const u of toUpdate) {
      // A warning without an itemid can only be about the one user sent.
      const warning = warnings.find(
        (w) => w.itemid === u.update.id || (w.itemid === undefined && toUpdate.length === 1),
      );
      if (warning)
        failPlan(
          batch,
          u.plan.index,
          new MoodleWarningError({ wsfunction: 'core_user_update_users', warning }),
        );
      else done(u);
    }
  } catch (error) {
    if (!(error instanceof MoodleException) || toUpdate.length === 1) {
      for (const u of toUpdate) failPlan(batch, u.plan.index, error);
      return;
    }
    await Promise.all(
      toUpdate.map(async (u) => {
        try {
          await applyUpdate(context.client, u.update);
          done(u);
        } catch (single) {
          failPlan(batch, u.plan.index, single);
        }
      }),
    );
  }
}
