import type { Protection } from './claim-account.js';
import { decideClaims } from './decide-claims.js';
import { protectionOf } from './protection-of.js';
import { failPlan, openPlans, type ProvisionBatch, type ProvisionContext } from './provision-batch.js';
import type { UpsertOptions } from './provisioning.js';
import { storedOwnership } from './stored-ownership.js';

/**
 * Sets the ownership of every student whose account was found (decideClaims), after asking who mzi must never
 * change and which live students already hold those accounts; a student mzi may not act for fails.
 */
export async function claimAccounts(
  context: ProvisionContext,
  batch: ProvisionBatch,
  options: UpsertOptions,
): Promise<void> {
  const found = openPlans(batch).flatMap((plan) => (plan.found ? [{ plan, ...plan.found }] : []));
  if (found.length === 0) return;
  let protection: Protection;
  let holders: Map<number, string>;
  try {
    protection = await protectionOf(context);
    holders = options.holdersOf ? await options.holdersOf(found.map(({ user }) => user.id)) : new Map();
  } catch (error) {
    for (const { plan } of found) failPlan(batch, plan.index, error);
    return;
  }
  const decisions = decideClaims(
    found.map(({ plan, user, matchedBy }) => ({
      user,
      matchedBy,
      recordId: plan.input.student.recordId,
      idnumber: plan.desired.idnumber,
      stored: storedOwnership(plan.input, user.id),
    })),
    { protection, holders, adopt: context.settings.adoptExisting },
  );
  found.forEach(({ plan }, i) => {
    const decision = decisions[i];
    if (decision?.ok) plan.ownership = decision.ownership;
    else failPlan(batch, plan.index, decision?.error);
  });
}
