import { ProcessingError } from '../../event-log/processing-error.js';
import type {
  MoodleClient,
  MoodleUser,
  MoodleUserUpdate,
  NewMoodleUser,
} from '../../moodle/create-moodle-client.js';
import { MoodleException, MoodleWarningError } from '../../moodle/moodle-errors.js';
import {
  claimAccount,
  type MatchedBy,
  MOODLE_OWNERSHIPS,
  type MoodleOwnership,
  type Protection,
} from './claim-account.js';
import {
  type DesiredMoodleUser,
  type MappingSettings,
  mapStudentToMoodle,
  randomPolicyPassword,
  type StudentForMoodle,
} from './map-student.js';

export type { MatchedBy, MoodleOwnership } from './claim-account.js';

export type MoodleAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'suspended'
  | 'already_suspended'
  | 'deleted'
  | 'ignored'
  | 'not_found'
  | 'not_linked';

export interface MoodleOutcome {
  action: MoodleAction;
  user_id?: number;
  matched_by?: MatchedBy;
  /** How mzi owns the account it acted on. */
  ownership?: MoodleOwnership;
  /** Moodle fields this event changed. */
  changed?: string[];
}

export interface ProvisionInput {
  student: StudentForMoodle;
  /** Moodle_User_ID as sent by Zoho in this delivery: it must exist. */
  givenMoodleUserId: string | null;
  /** The Moodle user id mzi stored for this student earlier: used when it still exists. */
  knownMoodleUserId: string | null;
  /** How mzi came to own knownMoodleUserId, as stored; null when not recorded (rows from older versions). */
  knownOwnership: string | null;
}

export interface ProvisionSettings extends MappingSettings {
  onDelete: 'suspend' | 'delete' | 'ignore';
  adoptExisting: 'unlinked' | 'never';
  /** MOODLE_PROTECTED_USERS, lowercase. */
  protectedUsers: readonly string[];
}

export interface Provisioned {
  outcome: MoodleOutcome;
  warnings: string[];
}

/** The result for one input of a batch: what was done, or why not. */
export type ProvisionResult = ({ ok: true } & Provisioned) | { ok: false; error: unknown };

export interface UpsertOptions {
  /** The Zoho record ids of the live students that hold these Moodle user ids (from the local mirror). */
  holdersOf?: (userIds: number[]) => Promise<Map<number, string>>;
}

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

/** Fields mzi keeps in step on every account it owns. */
const PROFILE_FIELDS = ['firstname', 'lastname', 'email', 'idnumber', 'phone1', 'city', 'country'] as const;
/** Fields that decide how someone logs in: changed only on accounts mzi created. */
const LOGIN_FIELDS = ['username', 'auth'] as const;

interface Context {
  client: MoodleClient;
  settings: ProvisionSettings;
  /** Site info is asked once: the token's user does not change while mzi runs. */
  protection?: Promise<Protection> | undefined;
}

/** One student of a batch on its way through the steps. */
interface Plan {
  index: number;
  input: ProvisionInput;
  desired: DesiredMoodleUser;
  warnings: string[];
  found?: { user: MoodleUser; matchedBy: MatchedBy };
  ownership?: MoodleOwnership;
}

interface Batch {
  plans: Plan[];
  results: ProvisionResult[];
}

/** Provisions students as Moodle users through the web services (DESIGN.md §5). */
export function createStudentProvisioner(
  client: MoodleClient,
  settings: ProvisionSettings,
): StudentProvisioner {
  const context: Context = { client, settings };
  return {
    async upsert(input, options = {}) {
      const [result] = await upsertMany(context, [input], options);
      if (!result) throw new ProcessingError('moodle.unexpected_response', 'No result for the student.');
      if (!result.ok) throw result.error;
      return { outcome: result.outcome, warnings: result.warnings };
    },
    upsertMany: (inputs, options = {}) => upsertMany(context, inputs, options),
    remove: (input) => remove(context, input),
  };
}

async function upsertMany(
  context: Context,
  inputs: ProvisionInput[],
  options: UpsertOptions,
): Promise<ProvisionResult[]> {
  const batch: Batch = { plans: [], results: new Array(inputs.length) };
  inputs.forEach((input, index) => {
    const mapped = mapStudentToMoodle(input.student, context.settings);
    if ('problem' in mapped)
      fail(batch, index, new ProcessingError('validation.moodle_mapping', mapped.problem));
    else batch.plans.push({ index, input, desired: mapped.user, warnings: mapped.warnings });
  });
  await findAccounts(context, batch);
  await claimAccounts(context, batch, options);
  const suspensions = await createAccounts(context, batch);
  await updateAccounts(context, batch, suspensions);
  return batch.results;
}

function fail(batch: Batch, index: number, error: unknown): void {
  batch.results[index] = { ok: false, error };
}

function open(batch: Batch): Plan[] {
  return batch.plans.filter((plan) => batch.results[plan.index] === undefined);
}

/**
 * Finds each student's existing account: by Moodle_User_ID, by the id mzi stored, then by idnumber, email and
 * username (DESIGN.md §5). Lookups by field are one call for the whole batch, except email (see lookupEmails).
 */
async function findAccounts(context: Context, batch: Batch): Promise<void> {
  await Promise.all(
    open(batch).map(async (plan) => {
      try {
        const found = await findById(context, plan.input);
        if (found) plan.found = found;
      } catch (error) {
        fail(batch, plan.index, error);
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
    const pending = open(batch).filter((plan) => !plan.found && value(plan) !== '');
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
      for (const plan of pending) fail(batch, plan.index, error);
      continue;
    }
    for (const plan of pending) {
      const wanted = value(plan).toLowerCase();
      const matches = unique(users).filter((user) => (user[field] ?? '').toLowerCase() === wanted);
      if (matches.length > 1)
        fail(batch, plan.index, ambiguous(field, value(plan), matches, plan.input.student.recordId));
      else if (matches[0]) plan.found = { user: matches[0], matchedBy: field };
    }
  }
}

/** The account named by Moodle_User_ID (which must exist), else the one mzi stored, if it still exists. */
async function findById(
  context: Context,
  input: ProvisionInput,
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
    const user = await liveUserById(context.client, id);
    if (!user) {
      throw new ProcessingError(
        'validation.moodle_user_id_not_found',
        `Moodle user ${id} (Moodle_User_ID of Zoho record ${recordId}) does not exist in Moodle: correct or clear Moodle_User_ID in Zoho, then retry this event.`,
      );
    }
    return { user, matchedBy: 'moodle_user_id' };
  }
  const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
  if (known === undefined) return undefined;
  const user = await liveUserById(context.client, known);
  return user ? { user, matchedBy: 'known_user_id' } : undefined;
}

/** A live (not deleted) user by id; `core_user_get_users` excludes deleted users, unlike get_users_by_field. */
async function liveUserById(client: MoodleClient, id: number): Promise<MoodleUser | undefined> {
  const { users } = await client.getUsers([{ key: 'id', value: String(id) }]);
  return users.find((user) => user.id === id);
}

/**
 * Users whose email is one of these, ignoring case. get_users_by_field compares as the site's database does
 * (case-sensitive on PostgreSQL), while Moodle refuses a new account whose email differs only in case; so does
 * a takeover by `Admin@Example.com`. core_user_get_users matches email with a case-insensitive LIKE (`_` and `%`
 * are wildcards, so callers keep exact matches), one email per call: its criteria are ANDed.
 */
async function lookupEmails(client: MoodleClient, emails: string[]): Promise<MoodleUser[]> {
  const distinct = [...new Set(emails.map((email) => email.toLowerCase()))];
  const found = await Promise.all(
    distinct.map(async (email) => (await client.getUsers([{ key: 'email', value: email }])).users),
  );
  return found.flat();
}

/**
 * Decides, for every student whose account was found, whether mzi may act on it (claimAccount). An account
 * that another live student already holds, or that two students of the batch match, goes to one student only;
 * the others fail as a conflict (without a Student_ID_Number, the idnumber cannot tell them apart).
 */
async function claimAccounts(context: Context, batch: Batch, options: UpsertOptions): Promise<void> {
  const found = open(batch).filter((plan) => plan.found);
  if (found.length === 0) return;
  let protection: Protection;
  let claimedBy: Map<number, string>;
  try {
    protection = await protectionOf(context);
    claimedBy = options.holdersOf
      ? await options.holdersOf(found.map((plan) => (plan.found as { user: MoodleUser }).user.id))
      : new Map();
  } catch (error) {
    for (const plan of found) fail(batch, plan.index, error);
    return;
  }
  for (const plan of found) {
    const { user, matchedBy } = plan.found as { user: MoodleUser; matchedBy: MatchedBy };
    const recordId = plan.input.student.recordId;
    const other = claimedBy.get(user.id);
    if (other !== undefined && other !== recordId) {
      fail(batch, plan.index, sharedAccount(user.id, recordId, other));
      continue;
    }
    try {
      plan.ownership = claimAccount({
        user,
        matchedBy,
        recordId,
        idnumber: plan.desired.idnumber,
        stored: storedOwnership(plan.input, user.id),
        protection,
        adopt: context.settings.adoptExisting,
      });
      claimedBy.set(user.id, recordId);
    } catch (error) {
      fail(batch, plan.index, error);
    }
  }
}

/** The token's user (core_webservice_get_site_info) and MOODLE_PROTECTED_USERS; asked again after a failure. */
function protectionOf(context: Context): Promise<Protection> {
  if (!context.protection) {
    const pending = context.client.getSiteInfo().then((info) => ({
      tokenUserId: info.userid,
      entries: context.settings.protectedUsers,
    }));
    pending.catch(() => {
      if (context.protection === pending) context.protection = undefined;
    });
    context.protection = pending;
  }
  return context.protection;
}

/** What the mirror recorded, when it is about this very account. */
function storedOwnership(input: ProvisionInput, userId: number): MoodleOwnership | null {
  const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
  if (known !== userId) return null;
  return MOODLE_OWNERSHIPS.find((o) => o === input.knownOwnership) ?? null;
}

/**
 * Creates the students nobody has yet, in one all-or-nothing call; when Moodle refuses it, one at a time.
 * Returns the suspensions still to apply (`suspended` is refused on create, DESIGN.md §5).
 */
async function createAccounts(context: Context, batch: Batch): Promise<Pending[]> {
  const toCreate = open(batch).filter((plan) => !plan.found);
  if (toCreate.length === 0) return [];
  const suspensions: Pending[] = [];
  const record = (plan: Plan, created: { id: number; username: string }[]) => {
    const id = created.find((user) => user.username === plan.desired.username)?.id;
    if (id === undefined) {
      fail(
        batch,
        plan.index,
        new ProcessingError('moodle.unexpected_response', 'Moodle did not report the user it created.'),
      );
      return;
    }
    const outcome: MoodleOutcome = { action: 'created', user_id: id, ownership: 'created' };
    if (plan.desired.suspended) {
      outcome.changed = ['suspended'];
      suspensions.push({ plan, update: { id, suspended: true }, outcome });
    } else batch.results[plan.index] = { ok: true, outcome, warnings: plan.warnings };
  };
  try {
    const created = await context.client.createUsers(toCreate.map((plan) => newUserParams(plan.desired)));
    for (const plan of toCreate) record(plan, created);
  } catch (error) {
    if (!(error instanceof MoodleException) || toCreate.length === 1) {
      for (const plan of toCreate) fail(batch, plan.index, error);
      return suspensions;
    }
    // Moodle refuses the whole batch for one bad user: create them one by one, so that user fails alone. In
    // order, so that of two students wanting the same username or email the earlier event gets it.
    for (const plan of toCreate) {
      try {
        record(plan, await context.client.createUsers([newUserParams(plan.desired)]));
      } catch (single) {
        fail(batch, plan.index, single);
      }
    }
  }
  return suspensions;
}

/** An update to send and the outcome it completes. */
interface Pending {
  plan: Plan;
  update: MoodleUserUpdate;
  outcome: MoodleOutcome;
}

/** Updates the claimed accounts that differ (and suspends new ones) in one call; a username change is checked first. */
async function updateAccounts(context: Context, batch: Batch, suspensions: Pending[]): Promise<void> {
  const updates = [...suspensions];
  for (const plan of open(batch).filter((candidate) => candidate.found && candidate.ownership)) {
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
  const done = (u: Pending) => {
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
        fail(batch, u.plan.index, new MoodleWarningError({ wsfunction: 'core_user_update_users', warning }));
      else done(u);
    }
  } catch (error) {
    if (!(error instanceof MoodleException) || toUpdate.length === 1) {
      for (const u of toUpdate) fail(batch, u.plan.index, error);
      return;
    }
    await Promise.all(
      toUpdate.map(async (u) => {
        try {
          await applyUpdate(context.client, u.update);
          done(u);
        } catch (single) {
          fail(batch, u.plan.index, single);
        }
      }),
    );
  }
}

/** Another account holding a new username would make Moodle refuse the whole call without saying why. */
async function checkRenames(context: Context, batch: Batch, updates: Pending[]): Promise<void> {
  const renames = updates.filter((u) => u.update.username !== undefined);
  if (renames.length === 0) return;
  try {
    const holders = await context.client.getUsersByField(
      'username',
      renames.map((u) => u.update.username as string),
    );
    for (const rename of renames) {
      const holder = holders.find((h) => h.username === rename.update.username && h.id !== rename.update.id);
      if (holder) fail(batch, rename.plan.index, usernameTaken(context, rename.plan, holder.id));
    }
  } catch (error) {
    for (const rename of renames) fail(batch, rename.plan.index, error);
  }
}

async function applyUpdate(client: MoodleClient, update: MoodleUserUpdate): Promise<void> {
  const { warnings } = await client.updateUsers([update]);
  const ours = warnings.find((w) => w.itemid === undefined || w.itemid === update.id);
  if (ours) throw new MoodleWarningError({ wsfunction: 'core_user_update_users', warning: ours });
}

/**
 * delete: acts only on the account the mirror records for the student, never on one found by a lookup (an
 * account mzi never created or adopted is not its to suspend). Moodle_User_ID in a delete is not followed.
 */
async function remove(context: Context, input: ProvisionInput): Promise<Provisioned> {
  if (context.settings.onDelete === 'ignore') return { outcome: { action: 'ignored' }, warnings: [] };
  const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
  if (known === undefined) return { outcome: { action: 'not_linked' }, warnings: [] };
  const user = await liveUserById(context.client, known);
  if (!user) return { outcome: { action: 'not_found' }, warnings: [] };
  const ownership = claimAccount({
    user,
    matchedBy: 'known_user_id',
    recordId: input.student.recordId,
    idnumber: (input.student.studentIdNumber ?? '').trim(),
    stored: storedOwnership(input, user.id),
    protection: await protectionOf(context),
    // A delete never adopts: an account not yet confirmed as the student's stays as it is.
    adopt: 'never',
  });
  const outcome = { user_id: user.id, matched_by: 'known_user_id' as const, ownership };
  if (context.settings.onDelete === 'delete') {
    await context.client.deleteUsers([user.id]);
    return { outcome: { action: 'deleted', ...outcome }, warnings: [] };
  }
  if (user.suspended) return { outcome: { action: 'already_suspended', ...outcome }, warnings: [] };
  await applyUpdate(context.client, { id: user.id, suspended: true });
  return { outcome: { action: 'suspended', ...outcome }, warnings: [] };
}

function parseUserId(value: string): number | undefined {
  const text = value.trim();
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id > 0 ? id : undefined;
}

/** Each user once (two lookup values, such as an email and its lowercase, can return the same user). */
function unique(users: MoodleUser[]): MoodleUser[] {
  return [...new Map(users.map((user) => [user.id, user])).values()];
}

function ambiguous(field: string, value: string, matches: MoodleUser[], recordId: string): ProcessingError {
  return new ProcessingError(
    'moodle.ambiguous_user',
    `${matches.length} Moodle users have ${field} "${value}" (ids ${matches.map((u) => u.id).join(', ')}), so mzi cannot tell which one is Zoho record ${recordId}: merge or correct them in Moodle, then retry this event.`,
  );
}

function sharedAccount(userId: number, recordId: string, otherRecordId: string): ProcessingError {
  return new ProcessingError(
    'moodle.account_conflict',
    `Moodle user ${userId}, found for Zoho record ${recordId}, is already the account of Zoho record ${otherRecordId}: each student needs an account of their own. Correct the Academic_Email or Student_ID_Number of one of them in Zoho, then retry this event.`,
  );
}

function usernameTaken(context: Context, plan: Plan, holderId: number): ProcessingError {
  const source = context.settings.usernameFrom === 'email' ? 'Academic_Email' : 'Student_ID_Number';
  return new ProcessingError(
    'moodle.username_taken',
    `Moodle username "${plan.desired.username}" for Zoho record ${plan.input.student.recordId} is already used by Moodle user ${holderId}: change the ${source} in Zoho or the other account in Moodle.`,
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

/**
 * The fields that differ between a Moodle user and what it should be (emails and usernames ignore case).
 * Username and auth only for an account mzi created: renaming an adopted or linked account, or switching its
 * login method, could lock its owner out (Moodle's user upload does not rename either unless told to).
 */
function diffUser(
  user: MoodleUser,
  desired: DesiredMoodleUser,
  manageLogin: boolean,
): { update: MoodleUserUpdate; changed: string[] } {
  const update: MoodleUserUpdate = { id: user.id };
  const changed: string[] = [];
  const fields = manageLogin ? [...LOGIN_FIELDS, ...PROFILE_FIELDS] : PROFILE_FIELDS;
  for (const field of fields) {
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
