import { ProcessingError } from '../event-log/processing-error.js';
import type { MoodleClient, MoodleUser, MoodleUserUpdate, NewMoodleUser } from './create-moodle-client.js';
import {
  type DesiredMoodleUser,
  type MappingSettings,
  mapStudentToMoodle,
  randomPolicyPassword,
  type StudentForMoodle,
} from './map-student.js';
import { MoodleException, MoodleWarningError } from './moodle-errors.js';

export type MoodleAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'suspended'
  | 'already_suspended'
  | 'deleted'
  | 'ignored'
  | 'not_found';

export type MatchedBy = 'moodle_user_id' | 'known_user_id' | 'idnumber' | 'email' | 'username';

export interface MoodleOutcome {
  action: MoodleAction;
  user_id?: number;
  matched_by?: MatchedBy;
  /** Moodle fields this event changed. */
  changed?: string[];
}

export interface ProvisionInput {
  student: StudentForMoodle;
  /** Moodle_User_ID as sent by Zoho in this delivery: it must exist. */
  givenMoodleUserId: string | null;
  /** The Moodle user id mzi stored for this student earlier: used when it still exists. */
  knownMoodleUserId: string | null;
}

export interface ProvisionSettings extends MappingSettings {
  onDelete: 'suspend' | 'delete' | 'ignore';
}

export interface Provisioned {
  outcome: MoodleOutcome;
  warnings: string[];
}

/** The result for one input of a batch: what was done, or why not. */
export type ProvisionResult = ({ ok: true } & Provisioned) | { ok: false; error: unknown };

export interface StudentProvisioner {
  /** insert / update: find the Moodle user, update it, or create it. */
  upsert(input: ProvisionInput): Promise<Provisioned>;
  /**
   * The same for many students (of different records) at once, with Moodle's array parameters: one lookup
   * call per field, one create and one update call for the batch. Whatever Moodle refuses as a whole is done
   * again one student at a time, so one bad student cannot fail the others.
   */
  upsertMany(inputs: ProvisionInput[]): Promise<ProvisionResult[]>;
  /** delete: suspend, delete or ignore, per MOODLE_ON_DELETE. */
  remove(input: ProvisionInput): Promise<Provisioned>;
}

const COMPARED_FIELDS = [
  'username',
  'firstname',
  'lastname',
  'email',
  'idnumber',
  'phone1',
  'city',
  'country',
  'auth',
] as const;

/** Provisions students as Moodle users through the web services (DESIGN.md §5). */
export function createStudentProvisioner(
  client: MoodleClient,
  settings: ProvisionSettings,
): StudentProvisioner {
  /** A live (not deleted) user by id; `core_user_get_users` excludes deleted users, unlike get_users_by_field. */
  async function liveUserById(id: number): Promise<MoodleUser | undefined> {
    const { users } = await client.getUsers([{ key: 'id', value: String(id) }]);
    return users.find((user) => user.id === id);
  }

  async function uniqueBy(field: 'idnumber' | 'email' | 'username', value: string, recordId: string) {
    // An empty value would match every user whose field is empty.
    if (value === '') return undefined;
    // Email: get_users_by_field compares as the site's database does (case-sensitive on PostgreSQL), while
    // Moodle refuses a new account whose email differs only in case. core_user_get_users matches email with a
    // case-insensitive LIKE (where _ and % are wildcards): ask broadly, keep exact matches.
    const users =
      field === 'email'
        ? (await client.getUsers([{ key: 'email', value }])).users
        : await client.getUsersByField(field, [value]);
    const matches = users.filter((user) => (user[field] ?? '').toLowerCase() === value.toLowerCase());
    if (matches.length > 1) throw ambiguous(field, value, matches, recordId);
    return matches[0];
  }

  async function findUser(
    input: ProvisionInput,
    desired: Pick<DesiredMoodleUser, 'idnumber' | 'email' | 'username'> | undefined,
  ): Promise<{ user: MoodleUser; matchedBy: MatchedBy } | undefined> {
    const recordId = input.student.recordId;
    if (input.givenMoodleUserId !== null) {
      const id = parseUserId(input.givenMoodleUserId);
      if (id === undefined) {
        throw new ProcessingError(
          'validation.moodle_user_id_invalid',
          `Moodle_User_ID "${input.givenMoodleUserId.slice(0, 40)}" of Zoho record ${recordId} is not a Moodle user id (a positive whole number): correct it in Zoho or leave it empty.`,
        );
      }
      const user = await liveUserById(id);
      if (!user) {
        throw new ProcessingError(
          'validation.moodle_user_id_not_found',
          `Moodle user ${id} (Moodle_User_ID of Zoho record ${recordId}) does not exist in Moodle: correct or clear Moodle_User_ID in Zoho, then retry this event.`,
        );
      }
      return { user, matchedBy: 'moodle_user_id' };
    }
    const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
    if (known !== undefined) {
      const user = await liveUserById(known);
      if (user) return { user, matchedBy: 'known_user_id' };
    }
    const idnumber = desired?.idnumber ?? (input.student.studentIdNumber ?? '').trim();
    const byIdnumber = await uniqueBy('idnumber', idnumber, recordId);
    if (byIdnumber) return { user: byIdnumber, matchedBy: 'idnumber' };
    const email = desired?.email ?? (input.student.email ?? '').trim();
    const byEmail = await uniqueBy('email', email, recordId);
    if (byEmail) return { user: byEmail, matchedBy: 'email' };
    if (desired) {
      const byUsername = await uniqueBy('username', desired.username, recordId);
      if (byUsername) return { user: byUsername, matchedBy: 'username' };
    }
    return undefined;
  }

  async function applyUpdate(update: MoodleUserUpdate): Promise<void> {
    const { warnings } = await client.updateUsers([update]);
    const ours = warnings.find((w) => w.itemid === undefined || w.itemid === update.id);
    if (ours) throw new MoodleWarningError({ wsfunction: 'core_user_update_users', warning: ours });
  }

  /** Runs the one-student path for each input (concurrency is bounded by the client). */
  function oneByOne(inputs: ProvisionInput[]): Promise<ProvisionResult[]> {
    return Promise.all(inputs.map((input) => settle(() => provisioner.upsert(input))));
  }

  async function upsertMany(inputs: ProvisionInput[]): Promise<ProvisionResult[]> {
    if (inputs.length <= 1) return oneByOne(inputs);
    const results: ProvisionResult[] = new Array(inputs.length);
    interface Plan {
      index: number;
      input: ProvisionInput;
      desired: DesiredMoodleUser;
      warnings: string[];
      found?: { user: MoodleUser; matchedBy: MatchedBy };
    }
    const plans: Plan[] = [];
    inputs.forEach((input, index) => {
      const mapped = mapStudentToMoodle(input.student, settings);
      if ('problem' in mapped) {
        results[index] = {
          ok: false,
          error: new ProcessingError('validation.moodle_mapping', mapped.problem),
        };
      } else plans.push({ index, input, desired: mapped.user, warnings: mapped.warnings });
    });
    const fail = (plan: Plan, error: unknown) => {
      results[plan.index] = { ok: false, error };
    };
    const open = () => plans.filter((plan) => results[plan.index] === undefined);

    // 1. Students with a Moodle user id (from Zoho or stored): looked up one by one, as the contract requires
    //    (core_user_get_users by id is the only call that leaves deleted users out).
    const withId = plans.filter(
      (plan) => plan.input.givenMoodleUserId !== null || plan.input.knownMoodleUserId !== null,
    );
    await Promise.all(
      withId.map(async (plan) => {
        try {
          const found = await findUser(plan.input, plan.desired);
          if (found) plan.found = found;
        } catch (error) {
          fail(plan, error);
        }
      }),
    );

    // 2. The others: one call per field for the whole batch, in the single path's order.
    const lookups: Array<{ field: 'idnumber' | 'email' | 'username'; value: (plan: Plan) => string }> = [
      { field: 'idnumber', value: (plan) => plan.desired.idnumber },
      { field: 'email', value: (plan) => plan.desired.email },
      { field: 'username', value: (plan) => plan.desired.username },
    ];
    for (const { field, value } of lookups) {
      const pending = open().filter((plan) => !plan.found && !withId.includes(plan) && value(plan) !== '');
      if (pending.length === 0) continue;
      const values = [...new Set(pending.flatMap((plan) => [value(plan), value(plan).toLowerCase()]))];
      let users: MoodleUser[];
      try {
        users = await client.getUsersByField(field, values);
      } catch (error) {
        for (const plan of pending) fail(plan, error);
        continue;
      }
      for (const plan of pending) {
        const matches = users.filter(
          (user) => (user[field] ?? '').toLowerCase() === value(plan).toLowerCase(),
        );
        if (matches.length > 1)
          fail(plan, ambiguous(field, value(plan), matches, plan.input.student.recordId));
        else if (matches[0]) plan.found = { user: matches[0], matchedBy: field };
      }
    }

    // 3. Create the students nobody has yet, in one all-or-nothing call.
    const updates: Array<{ plan: Plan; update: MoodleUserUpdate; outcome: MoodleOutcome }> = [];
    const toCreate = open().filter((plan) => !plan.found);
    if (toCreate.length > 0) {
      try {
        const created = await client.createUsers(toCreate.map((plan) => newUserParams(plan.desired)));
        for (const plan of toCreate) {
          const id = created.find((user) => user.username === plan.desired.username)?.id;
          if (id === undefined) {
            fail(
              plan,
              new ProcessingError('moodle.unexpected_response', 'Moodle did not report the user it created.'),
            );
            continue;
          }
          const outcome: MoodleOutcome = { action: 'created', user_id: id };
          if (plan.desired.suspended) {
            outcome.changed = ['suspended'];
            updates.push({ plan, update: { id, suspended: true }, outcome });
          } else results[plan.index] = { ok: true, outcome, warnings: plan.warnings };
        }
      } catch (error) {
        // Moodle refuses the whole batch for one bad user: do them one by one (with the thorough lookups).
        if (!(error instanceof MoodleException)) for (const plan of toCreate) fail(plan, error);
        else {
          const single = await oneByOne(toCreate.map((plan) => plan.input));
          toCreate.forEach((plan, i) => {
            results[plan.index] = single[i] as ProvisionResult;
          });
        }
      }
    }

    // 4. Update the students that differ, in one call; a username change is checked first.
    for (const plan of open().filter((candidate) => candidate.found)) {
      const { user, matchedBy } = plan.found as { user: MoodleUser; matchedBy: MatchedBy };
      const { update, changed } = diffUser(user, plan.desired);
      if (changed.length === 0) {
        results[plan.index] = {
          ok: true,
          outcome: { action: 'unchanged', user_id: user.id, matched_by: matchedBy },
          warnings: plan.warnings,
        };
      } else
        updates.push({
          plan,
          update,
          outcome: { action: 'updated', user_id: user.id, matched_by: matchedBy, changed },
        });
    }
    const renames = updates.filter((u) => u.update.username !== undefined);
    if (renames.length > 0) {
      try {
        const holders = await client.getUsersByField(
          'username',
          renames.map((u) => u.update.username as string),
        );
        for (const rename of renames) {
          const holder = holders.find(
            (h) => h.username === rename.update.username && h.id !== rename.update.id,
          );
          if (holder)
            fail(
              rename.plan,
              usernameTaken(rename.plan.desired.username, rename.plan.input.student.recordId, holder.id),
            );
        }
      } catch (error) {
        for (const rename of renames) fail(rename.plan, error);
      }
    }
    const toUpdate = updates.filter((u) => results[u.plan.index] === undefined);
    if (toUpdate.length > 0) {
      try {
        const { warnings } = await client.updateUsers(toUpdate.map((u) => u.update));
        for (const u of toUpdate) {
          const warning = warnings.find((w) => w.itemid === u.update.id);
          if (warning)
            fail(u.plan, new MoodleWarningError({ wsfunction: 'core_user_update_users', warning }));
          else results[u.plan.index] = { ok: true, outcome: u.outcome, warnings: u.plan.warnings };
        }
      } catch (error) {
        if (!(error instanceof MoodleException)) for (const u of toUpdate) fail(u.plan, error);
        else {
          await Promise.all(
            toUpdate.map(async (u) => {
              try {
                await applyUpdate(u.update);
                results[u.plan.index] = { ok: true, outcome: u.outcome, warnings: u.plan.warnings };
              } catch (single) {
                fail(u.plan, single);
              }
            }),
          );
        }
      }
    }
    return results;
  }

  function usernameTaken(username: string, recordId: string, holderId: number): ProcessingError {
    return new ProcessingError(
      'moodle.username_taken',
      `Moodle username "${username}" for Zoho record ${recordId} is already used by Moodle user ${holderId}: change the ${settings.usernameFrom === 'email' ? 'Academic_Email' : 'Student_ID_Number'} in Zoho or the other account in Moodle.`,
    );
  }

  const provisioner: StudentProvisioner = {
    async upsert(input) {
      const mapped = mapStudentToMoodle(input.student, settings);
      if ('problem' in mapped) throw new ProcessingError('validation.moodle_mapping', mapped.problem);
      const { user: desired, warnings } = mapped;
      const found = await findUser(input, desired);

      if (!found) {
        const created = await client.createUsers([newUserParams(desired)]);
        const id = created[0]?.id;
        if (id === undefined) {
          throw new ProcessingError(
            'moodle.unexpected_response',
            'Moodle created no user and reported no error.',
          );
        }
        // `suspended` is not accepted on create (DESIGN.md §5): create, then suspend.
        if (desired.suspended) await applyUpdate({ id, suspended: true });
        return {
          outcome: {
            action: 'created',
            user_id: id,
            ...(desired.suspended ? { changed: ['suspended'] } : {}),
          },
          warnings,
        };
      }

      const { user, matchedBy } = found;
      const { update, changed } = diffUser(user, desired);
      if (update.username !== undefined) {
        // Another account holding the new username would make Moodle refuse the whole call without saying why.
        const holder = await uniqueBy('username', desired.username, input.student.recordId);
        if (holder && holder.id !== user.id)
          throw usernameTaken(desired.username, input.student.recordId, holder.id);
      }
      if (changed.length === 0)
        return { outcome: { action: 'unchanged', user_id: user.id, matched_by: matchedBy }, warnings };
      await applyUpdate(update);
      return { outcome: { action: 'updated', user_id: user.id, matched_by: matchedBy, changed }, warnings };
    },

    async upsertMany(inputs) {
      return upsertMany(inputs);
    },

    async remove(input) {
      if (settings.onDelete === 'ignore') return { outcome: { action: 'ignored' }, warnings: [] };
      const found = await findUser(input, undefined);
      if (!found) return { outcome: { action: 'not_found' }, warnings: [] };
      const { user, matchedBy } = found;
      if (settings.onDelete === 'delete') {
        await client.deleteUsers([user.id]);
        return { outcome: { action: 'deleted', user_id: user.id, matched_by: matchedBy }, warnings: [] };
      }
      if (user.suspended)
        return {
          outcome: { action: 'already_suspended', user_id: user.id, matched_by: matchedBy },
          warnings: [],
        };
      await applyUpdate({ id: user.id, suspended: true });
      return { outcome: { action: 'suspended', user_id: user.id, matched_by: matchedBy }, warnings: [] };
    },
  };
  return provisioner;
}

function parseUserId(value: string): number | undefined {
  const text = value.trim();
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id > 0 ? id : undefined;
}

function ambiguous(field: string, value: string, matches: MoodleUser[], recordId: string): ProcessingError {
  return new ProcessingError(
    'moodle.ambiguous_user',
    `${matches.length} Moodle users have ${field} "${value}" (ids ${matches.map((u) => u.id).join(', ')}), so mzi cannot tell which one is Zoho record ${recordId}: merge or correct them in Moodle, then retry this event.`,
  );
}

/** The create_users entry of a student (no `suspended`: Moodle refuses it on create). */
function newUserParams(desired: DesiredMoodleUser): NewMoodleUser {
  return {
    username: desired.username,
    firstname: desired.firstname,
    lastname: desired.lastname,
    email: desired.email,
    auth: desired.auth,
    ...(desired.auth === 'manual' ? { createpassword: true } : { password: randomPolicyPassword() }),
    ...(desired.idnumber ? { idnumber: desired.idnumber } : {}),
    ...(desired.phone1 ? { phone1: desired.phone1 } : {}),
    ...(desired.city ? { city: desired.city } : {}),
    ...(desired.country ? { country: desired.country } : {}),
  };
}

/** The fields that differ between a Moodle user and what it should be (emails and usernames ignore case). */
function diffUser(
  user: MoodleUser,
  desired: DesiredMoodleUser,
): { update: MoodleUserUpdate; changed: string[] } {
  const update: MoodleUserUpdate = { id: user.id };
  const changed: string[] = [];
  for (const field of COMPARED_FIELDS) {
    const current = user[field] ?? '';
    const same =
      field === 'email' || field === 'username'
        ? current.toLowerCase() === desired[field].toLowerCase()
        : current === desired[field];
    if (!same) {
      update[field] = desired[field];
      changed.push(field);
    }
  }
  if (user.suspended !== desired.suspended) {
    update.suspended = desired.suspended;
    changed.push('suspended');
  }
  return { update, changed };
}

async function settle(run: () => Promise<Provisioned>): Promise<ProvisionResult> {
  try {
    return { ok: true, ...(await run()) };
  } catch (error) {
    return { ok: false, error };
  }
}
