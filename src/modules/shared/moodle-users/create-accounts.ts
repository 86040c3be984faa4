import { ProcessingError } from '../../../event-log/processing-error.js';
import { MoodleException } from '../../../moodle/moodle-errors.js';
import { newUserParams } from './new-user-params.js';
import {
  failPlan,
  openPlans,
  type PendingUpdate,
  type Plan,
  type ProvisionBatch,
  type ProvisionContext,
} from './provision-batch.js';
import type { MoodleOutcome } from './provisioning.js';

/**
 * Creates the accounts of the people nobody has yet, in one all-or-nothing call; when Moodle refuses it, one at a time.
 * Returns the suspensions still to apply (`suspended` is refused on create, DESIGN.md §5).
 */
export async function createAccounts(
  context: ProvisionContext,
  batch: ProvisionBatch,
): Promise<PendingUpdate[]> {
  const toCreate = openPlans(batch).filter((plan) => !plan.found);
  if (toCreate.length === 0) return [];
  const suspensions: PendingUpdate[] = [];
  const record = (plan: Plan, created: { id: number; username: string }[]) => {
    const id = created.find((user) => user.username === plan.desired.username)?.id;
    if (id === undefined) {
      failPlan(
        batch,
        plan.index,
        new ProcessingError('moodle.unexpected_response', 'Moodle did not report the user it created.'),
      );
      return;
    }
    const outcome: MoodleOutcome = { action: 'created', user_id: id, ownership: 'created' };
    if (plan.desired.suspended === true) {
      outcome.changed = ['suspended'];
      suspensions.push({ plan, update: { id, suspended: true }, outcome });
    } else batch.results[plan.index] = { ok: true, outcome, warnings: plan.warnings };
  };
  try {
    const created = await context.client.createUsers(toCreate.map((plan) => newUserParams(plan.desired)));
    for (const plan of toCreate) record(plan, created);
  } catch (error) {
    if (!(error instanceof MoodleException) || toCreate.length === 1) {
      for (const plan of toCreate) failPlan(batch, plan.index, error);
      return suspensions;
    }
    // Moodle refuses the whole batch for one bad user: create them one by one, so that user fails alone. In
    // order, so that of two people wanting the same username or email the earlier event gets it.
    for (const plan of toCreate) {
      try {
        record(plan, await context.client.createUsers([newUserParams(plan.desired)]));
      } catch (single) {
        failPlan(batch, plan.index, single);
      }
    }
  }
  return suspensions;
}
