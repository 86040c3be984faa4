import { ProcessingError } from '../../../event-log/processing-error.js';
import type { MoodleClient } from '../../../moodle/create-moodle-client.js';
import { claimAccounts } from './claim-accounts.js';
import { createAccounts } from './create-accounts.js';
import { findAccounts } from './find-accounts.js';
import type { Person, PersonKind } from './person-kind.js';
import { failPlan, type ProvisionBatch, type ProvisionContext } from './provision-batch.js';
import type {
  Provisioned,
  ProvisionInput,
  ProvisionResult,
  ProvisionSettings,
  UpsertOptions,
} from './provisioning.js';
import { removeAccount } from './remove-account.js';
import { updateAccounts } from './update-accounts.js';

export interface UserProvisioner<P extends Person> {
  /** insert / update: find the Moodle user, claim it, update it, or create it. */
  upsert(input: ProvisionInput<P>, options?: UpsertOptions): Promise<Provisioned>;
  /**
   * The same for many people (of different records) at once, with Moodle's array parameters where Moodle
   * has them. Whatever Moodle refuses as a whole is done again one person at a time, so one bad record
   * cannot fail the others. `upsert` is this with one input: there is one path.
   */
  upsertMany(inputs: ProvisionInput<P>[], options?: UpsertOptions): Promise<ProvisionResult[]>;
  /** delete: suspend, delete or ignore, per `settings.onDelete`; only an account mzi owns. */
  remove(input: ProvisionInput<P>): Promise<Provisioned>;
}

/**
 * Provisions a module's people (students, teachers) as Moodle users through the web services, under the
 * account-safety rules of DESIGN.md §5: the same path for every kind; the kind says how its records map to a
 * Moodle user and how messages name them.
 */
export function createUserProvisioner<P extends Person>(
  client: MoodleClient,
  settings: ProvisionSettings,
  kind: PersonKind<P>,
): UserProvisioner<P> {
  const context: ProvisionContext<P> = { client, settings, kind };
  return {
    async upsert(input, options = {}) {
      const [result] = await upsertPeople(context, [input], options);
      if (!result) throw new ProcessingError('moodle.unexpected_response', `No result for the ${kind.noun}.`);
      if (!result.ok) throw result.error;
      return { outcome: result.outcome, warnings: result.warnings };
    },
    upsertMany: (inputs, options = {}) => upsertPeople(context, inputs, options),
    remove: (input) => removeAccount(context, input),
  };
}

/** The one provisioning path: map, find, claim, create, update; each step for the whole batch at once. */
async function upsertPeople<P extends Person>(
  context: ProvisionContext<P>,
  inputs: ProvisionInput<P>[],
  options: UpsertOptions,
): Promise<ProvisionResult[]> {
  const batch: ProvisionBatch = { plans: [], results: new Array(inputs.length) };
  inputs.forEach((input, index) => {
    const mapped = context.kind.map(input.person);
    if ('problem' in mapped)
      failPlan(batch, index, new ProcessingError('validation.moodle_mapping', mapped.problem));
    else {
      batch.plans.push({
        index,
        input,
        desired: mapped.user,
        warnings: mapped.warnings,
        sources: { emailField: mapped.emailField, usernameField: mapped.usernameField },
      });
    }
  });
  await findAccounts(context, batch);
  await claimAccounts(context, batch, options);
  const suspensions = await createAccounts(context, batch);
  await updateAccounts(context, batch, suspensions);
  return batch.results;
}
