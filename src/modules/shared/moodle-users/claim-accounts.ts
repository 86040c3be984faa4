import type { MoodleUserHolder } from '../../zoho-module.js';
import type { Protection } from './claim-account.js';
import { decideClaims } from './decide-claims.js';
import { protectionOf } from './protection-of.js';
import { failPlan, openPlans, type ProvisionBatch, type ProvisionContext } from './provision-batch.js';
import type { UpsertOptions } from './provisioning.js';
import { storedOwnership } from './stored-ownership.js';

/**
 * Sets the ownership of every person whose account was found (decideClaims), after asking who mzi must never
 * change and which live records already hold those accounts; a person mzi may not act for fails.
 */
export async function claimAccounts(
  context: ProvisionContext,
  batch: ProvisionBatch,
  options: UpsertOptions,
): Promise<void> {
  const found = openPlans(batch).flatMap((plan) => (plan.found ? [{ plan, ...plan.found }] : []));
  if (found.length === 0) return;
  let protection: Protection;
  let holders: ReadonlyMap<number, readonly MoodleUserHolder[]>;
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
      recordId: plan.input.person.recordId,
      idnumber: plan.desired.idnumber,
      emailField: plan.sources.emailField,
      stored: storedOwnership(plan.input, user.id),
    })),
    { protection, holders, adopt: context.settings.adoptExisting, kind: context.kind },
  );
  found.forEach(({ plan }, i) => {
    const decision = decisions[i];
    if (decision?.ok) plan.ownership = decision.ownership;
    else failPlan(batch, plan.index, decision?.error);
  });
}
