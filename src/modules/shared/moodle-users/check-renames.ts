import { ProcessingError } from '../../../event-log/processing-error.js';
import {
  failPlan,
  type PendingUpdate,
  type Plan,
  type ProvisionBatch,
  type ProvisionContext,
} from './provision-batch.js';

/** Another account holding a new username would make Moodle refuse the whole call without saying why. */
export async function checkRenames(
  context: ProvisionContext,
  batch: ProvisionBatch,
  updates: PendingUpdate[],
): Promise<void> {
  const renames = updates.filter((u) => u.update.username !== undefined);
  if (renames.length === 0) return;
  try {
    const holders = await context.client.getUsersByField(
      'username',
      renames.map((u) => u.update.username as string),
    );
    for (const rename of renames) {
      const holder = holders.find((h) => h.username === rename.update.username && h.id !== rename.update.id);
      if (holder) failPlan(batch, rename.plan.index, usernameTaken(rename.plan, holder.id));
    }
  } catch (error) {
    for (const rename of renames) failPlan(batch, rename.plan.index, error);
  }
}

function usernameTaken(plan: Plan, holderId: number): ProcessingError {
  return new ProcessingError(
    'moodle.username_taken',
    `Moodle username "${plan.desired.username}" for Zoho record ${plan.input.person.recordId} is already used by Moodle user ${holderId}: change the ${plan.sources.usernameField} in Zoho or the other account in Moodle.`,
  );
}
