import type { MatchedBy, MoodleOwnership } from './claim-account.js';
import type { MappingSettings, StudentForMoodle } from './map-student.js';

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
