import type { MoodleClient, MoodleUser, MoodleUserUpdate } from '../../../moodle/create-moodle-client.js';
import type { MatchedBy, MoodleOwnership, Protection } from './claim-account.js';
import type { MappedUser } from './desired-user.js';
import type { Person, PersonKind } from './person-kind.js';
import type { MoodleOutcome, ProvisionInput, ProvisionResult, ProvisionSettings } from './provisioning.js';

/** What a provisioner keeps between batches. */
export interface ProvisionContext<P extends Person = Person> {
  client: MoodleClient;
  settings: ProvisionSettings;
  kind: PersonKind<P>;
  /** Site info is asked once: the token's user does not change while mzi runs. */
  protection?: Promise<Protection> | undefined;
}

/** One person of a batch on its way through the steps. */
export interface Plan {
  index: number;
  input: ProvisionInput;
  desired: MappedUser['user'];
  warnings: string[];
  /** Where the email and the username came from in Zoho, for messages. */
  sources: Pick<MappedUser, 'emailField' | 'usernameField'>;
  found?: { user: MoodleUser; matchedBy: MatchedBy };
  ownership?: MoodleOwnership;
}

/** The people of one call, and the result of each as soon as it is known (a failure ends its way). */
export interface ProvisionBatch {
  plans: Plan[];
  results: ProvisionResult[];
}

/** An update to send and the outcome it completes. */
export interface PendingUpdate {
  plan: Plan;
  update: MoodleUserUpdate;
  outcome: MoodleOutcome;
}

/** Ends a person's way through the batch with an error. */
export function failPlan(batch: ProvisionBatch, index: number, error: unknown): void {
  batch.results[index] = { ok: false, error };
}

/** The people of the batch that have no result yet. */
export function openPlans(batch: ProvisionBatch): Plan[] {
  return batch.plans.filter((plan) => batch.results[plan.index] === undefined);
}
