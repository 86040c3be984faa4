import { ProcessingError } from '../event-log/processing-error.js';
import type { MoodleClient, MoodleUser, MoodleUserUpdate } from './create-moodle-client.js';
import {
  type DesiredMoodleUser,
  type MappingSettings,
  mapStudentToMoodle,
  randomPolicyPassword,
  type StudentForMoodle,
} from './map-student.js';
import { MoodleWarningError } from './moodle-errors.js';

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

export interface StudentProvisioner {
  /** insert / update: find the Moodle user, update it, or create it. */
  upsert(input: ProvisionInput): Promise<{ outcome: MoodleOutcome; warnings: string[] }>;
  /** delete: suspend, delete or ignore, per MOODLE_ON_DELETE. */
  remove(input: ProvisionInput): Promise<{ outcome: MoodleOutcome; warnings: string[] }>;
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
    if (matches.length > 1) {
      throw new ProcessingError(
        'moodle.ambiguous_user',
        `${matches.length} Moodle users have ${field} "${value}" (ids ${matches.map((u) => u.id).join(', ')}), so mzi cannot tell which one is Zoho record ${recordId}: merge or correct them in Moodle, then retry this event.`,
      );
    }
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

  return {
    async upsert(input) {
      const mapped = mapStudentToMoodle(input.student, settings);
      if ('problem' in mapped) throw new ProcessingError('validation.moodle_mapping', mapped.problem);
      const { user: desired, warnings } = mapped;
      const found = await findUser(input, desired);

      if (!found) {
        const created = await client.createUsers([
          {
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
          },
        ]);
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
      if (update.username !== undefined) {
        // Another account holding the new username would make Moodle refuse the whole call without saying why.
        const holder = await uniqueBy('username', desired.username, input.student.recordId);
        if (holder && holder.id !== user.id) {
          throw new ProcessingError(
            'moodle.username_taken',
            `Moodle username "${desired.username}" for Zoho record ${input.student.recordId} is already used by Moodle user ${holder.id}: change the ${settings.usernameFrom === 'email' ? 'Academic_Email' : 'Student_ID_Number'} in Zoho or the other account in Moodle.`,
          );
        }
      }
      if (changed.length === 0)
        return { outcome: { action: 'unchanged', user_id: user.id, matched_by: matchedBy }, warnings };
      await applyUpdate(update);
      return { outcome: { action: 'updated', user_id: user.id, matched_by: matchedBy, changed }, warnings };
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
}

function parseUserId(value: string): number | undefined {
  const text = value.trim();
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id > 0 ? id : undefined;
}
