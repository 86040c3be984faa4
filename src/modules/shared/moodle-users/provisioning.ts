import type { MoodleUserHolder } from '../../zoho-module.js';
import type { MatchedBy, MoodleOwnership } from './claim-account.js';
import type { Person } from './person-kind.js';

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

export interface ProvisionInput<P extends Person = Person> {
  person: P;
  /** The Moodle user id Zoho sent in this delivery (a student's Moodle_User_ID): it must exist. */
  givenMoodleUserId: string | null;
  /** The Moodle user id mzi stored for this record earlier: used when it still exists. */
  knownMoodleUserId: string | null;
  /** How mzi owns knownMoodleUserId, as stored; null when not recorded (rows from older versions). */
  knownOwnership: string | null;
}

/** The account rules of a module's people (DESIGN.md §5). */
export interface ProvisionSettings {
  /** What a delete in Zoho does to the account mzi recorded, if mzi owns it. */
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
  /**
   * The live records (of any module whose records are Moodle users) that hold these Moodle user ids, from the
   * local mirrors: such an account is theirs, never adopted for another record.
   */
  holdersOf?: (userIds: number[]) => Promise<ReadonlyMap<number, readonly MoodleUserHolder[]>>;
}
