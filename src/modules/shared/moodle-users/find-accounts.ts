import { ProcessingError } from '../../../event-log/processing-error.js';
import type { MoodleUser } from '../../../moodle/create-moodle-client.js';
import type { MatchedBy } from './claim-account.js';
import { liveUserById, lookupEmails, uniqueUsers } from './moodle-user-lookups.js';
import { parseUserId } from './parse-user-id.js';
import {
  failPlan,
  openPlans,
  type Plan,
  type ProvisionBatch,
  type ProvisionContext,
} from './provision-batch.js';
import type { ProvisionInput } from './provisioning.js';

/**
 * Finds each person's existing account: by the Moodle user id Zoho gives (a student's Moodle_User_ID), by the id
 * mzi stored, then by idnumber, email and username (DESIGN.md §5). Lookups by field are one call for the whole batch, except email (see lookupEmails).
 */
export async function findAccounts(context: ProvisionContext, batch: ProvisionBatch): Promise<void> {
  await Promise.all(
    openPlans(batch).map(async (plan) => {
      try {
        const found = await findById(context, plan.input);
        if (found) plan.found = found;
      } catch (error) {
        failPlan(batch, plan.index, error);
      }
    }),
  );
  const lookups: Array<{ field: 'idnumber' | 'email' | 'username'; value: (plan: Plan) => string }> = [
    { field: 'idnumber', value: (plan) => plan.desired.idnumber },
    { field: 'email', value: (plan) => plan.desired.email },
    { field: 'username', value: (plan) => plan.desired.username },
  ];
  for (const { field, value } of lookups) {
    // An empty value would match every user whose field is empty.
    const pending = openPlans(batch).filter((plan) => !plan.found && value(plan) !== '');
    if (pending.length === 0) continue;
    let users: MoodleUser[];
    try {
      users =
        field === 'email'
          ? await lookupEmails(context.client, pending.map(value))
          : await context.client.getUsersByField(field, [
              ...new Set(pending.flatMap((plan) => [value(plan), value(plan).toLowerCase()])),
            ]);
    } catch (error) {
      for (const plan of pending) failPlan(batch, plan.index, error);
      continue;
    }
    for (const plan of pending) {
      const wanted = value(plan).toLowerCase();
      const matches = uniqueUsers(users).filter((user) => (user[field] ?? '').toLowerCase() === wanted);
      if (matches.length > 1)
        failPlan(batch, plan.index, ambiguous(field, value(plan), matches, plan.input.person.recordId));
      else if (matches[0]) plan.found = { user: matches[0], matchedBy: field };
    }
  }
}

/** The account Zoho names (which must exist), else the one mzi stored, if it still exists. */
async function findById(
  context: ProvisionContext,
  input: ProvisionInput,
): Promise<{ user: MoodleUser; matchedBy: MatchedBy } | undefined> {
  const recordId = input.person.recordId;
  const field = context.kind.moodleUserIdField;
  if (input.givenMoodleUserId !== null) {
    const id = parseUserId(input.givenMoodleUserId);
    if (id === undefined) {
      throw new ProcessingError(
        'validation.moodle_user_id_invalid',
        `${field} "${input.givenMoodleUserId.slice(0, 40)}" of Zoho record ${recordId} is not a Moodle user id (a positive whole number): correct it in Zoho or leave it empty.`,
      );
    }
    const user = await liveUserById(context.client, id);
    if (!user) {
      throw new ProcessingError(
        'validation.moodle_user_id_not_found',
        `Moodle user ${id} (${field} of Zoho record ${recordId}) does not exist in Moodle: correct or clear ${field} in Zoho, then retry this event.`,
      );
    }
    return { user, matchedBy: 'moodle_user_id' };
  }
  const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
  if (known === undefined) return undefined;
  const user = await liveUserById(context.client, known);
  return user ? { user, matchedBy: 'known_user_id' } : undefined;
}

function ambiguous(field: string, value: string, matches: MoodleUser[], recordId: string): ProcessingError {
  return new ProcessingError(
    'moodle.ambiguous_user',
    `${matches.length} Moodle users have ${field} "${value}" (ids ${matches.map((u) => u.id).join(', ')}), so mzi cannot tell which one is Zoho record ${recordId}: merge or correct them in Moodle, then retry this event.`,
  );
}
