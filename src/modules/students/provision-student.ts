import { ProcessingError } from '../../event-log/processing-error.js';
import type { MoodleClient } from '../../moodle/create-moodle-client.js';
import { claimAccounts } from './claim-accounts.js';
import { createAccounts } from './create-accounts.js';
import { findAccounts } from './find-accounts.js';
import { mapStudentToMoodle } from './map-student.js';
import { failPlan, type ProvisionBatch, type ProvisionContext } from './provision-batch.js';
import type {
  Provisioned,
  ProvisionInput,
  ProvisionResult,
  ProvisionSettings,
  UpsertOptions,
} from './provisioning.js';
import { removeStudentAccount } from './remove-student-account.js';
import { updateAccounts } from './update-accounts.js';

export interface StudentProvisioner {
  /** insert / update: find the Moodle user, claim it, update it, or create it. */
  upsert(input: ProvisionInput, options?: UpsertOptions): Promise<Provisioned>;
  /**
   * The same for many students (of different records) at once, with Moodle's array parameters where Moodle
   * has them. Whatever Moodle refuses as a whole is done again one student at a time, so one bad student
   * cannot fail the others. `upsert` is this with one input: there is one path.
   */
  upsertMany(inputs: ProvisionInput[], options?: UpsertOptions): Promise<ProvisionResult[]>;
  /** delete: suspend, delete or ignore, per MOODLE_ON_DELETE; only an account mzi owns. */
  remove(input: ProvisionInput): Promise<Provisioned>;
}

/** Provisions students as Moodle users through the web services (DESIGN.md §5). */
export function createStudentProvisioner(
  client: MoodleClient,
  settings: ProvisionSettings,
): StudentProvisioner {
  const context: ProvisionContext = { client, settings };
  return {
    async upsert(input, options = {}) {
      const [result] = await upsertStudents(context, [input], options);
      if (!result) throw new ProcessingError('moodle.unexpected_response', 'No result for the student.');
      if (!result.ok) throw result.error;
      return { outcome: result.outcome, warnings: result.warnings };
    },
    upsertMany: (inputs, options = {}) => upsertStudents(context, inputs, options),
    remove: (input) => removeStudentAccount(context, input),
  };
}

/** The one provisioning path: map, find, claim, create, update; each step for the whole batch at once. */
async function upsertStudents(
  context: ProvisionContext,
  inputs: ProvisionInput[],
  options: UpsertOptions,
): Promise<ProvisionResult[]> {
  const batch: ProvisionBatch = { plans: [], results: new Array(inputs.length) };
  inputs.forEach((input, index) => {
    const mapped = mapStudentToMoodle(input.student, context.settings);
    if ('problem' in mapped)
      failPlan(batch, index, new ProcessingError('validation.moodle_mapping', mapped.problem));
    else batch.plans.push({ index, input, desired: mapped.user, warnings: mapped.warnings });
  });
  await findAccounts(context, batch);
  await claimAccounts(context, batch, options);
  const suspensions = await createAccounts(context, batch);
  await updateAccounts(context, batch, suspensions);
  return batch.results;
}
