import { ProcessingError } from '../../event-log/processing-error.js';
import type { MoodleUser } from '../../moodle/create-moodle-client.js';

/**
 * How mzi came to own a student's Moodle account (DESIGN.md §5, issue 15):
 * - `created`: mzi created it; mzi manages every field, username and auth included.
 * - `adopted`: an existing account with an empty idnumber, found by Moodle_User_ID, email or username; mzi gave it
 *   the student's idnumber and manages its profile, never its username or auth.
 * - `linked`: an existing account that already carried the student's Student_ID_Number as idnumber (mzi's key);
 *   managed like an adopted one.
 * Only owned accounts are updated, suspended or deleted.
 */
export type MoodleOwnership = 'created' | 'adopted' | 'linked';

export const MOODLE_OWNERSHIPS: readonly MoodleOwnership[] = ['created', 'adopted', 'linked'];

/** How a Moodle account was found for a student. */
export type MatchedBy = 'moodle_user_id' | 'known_user_id' | 'idnumber' | 'email' | 'username';

/** Who mzi must never change: the token's own user, Moodle's built-in accounts and the configured list. */
export interface Protection {
  tokenUserId: number;
  /** MOODLE_PROTECTED_USERS entries, lowercase: ids, usernames or emails. */
  entries: readonly string[];
}

/** Moodle's own accounts on every site: the first administrator and the guest. */
const BUILT_IN_USERNAMES = ['admin', 'guest'];

/** Why mzi must not touch this account, or undefined when it may. Usernames and emails ignore case. */
export function protectedReason(user: MoodleUser, protection: Protection): string | undefined {
  if (user.id === protection.tokenUserId) return "it is the user of mzi's own web-service token";
  const username = user.username.toLowerCase();
  if (BUILT_IN_USERNAMES.includes(username)) return `it is Moodle's built-in "${username}" account`;
  const email = user.email.toLowerCase();
  const listed = protection.entries.some(
    (entry) =>
      (/^\d+$/.test(entry) && Number(entry) === user.id) ||
      entry === username ||
      (email !== '' && entry === email),
  );
  return listed ? 'it is listed in MOODLE_PROTECTED_USERS' : undefined;
}

export interface ClaimOptions {
  user: MoodleUser;
  matchedBy: MatchedBy;
  recordId: string;
  /** The student's Student_ID_Number as it goes into the Moodle idnumber ('' when it has none). */
  idnumber: string;
  /** What the mirror recorded for this very account; null when nothing, or when recorded before ownership was. */
  stored: MoodleOwnership | null;
  protection: Protection;
  /** `unlinked`: an account with an empty idnumber may be adopted; `never` (and on delete): it may not. */
  adopt: 'unlinked' | 'never';
}

/**
 * Decides whether mzi may act on an existing account for a student, and as what; throws
 * `moodle.account_conflict` naming the Zoho record, the Moodle user and what to do when it may not.
 * Mirrors Moodle's own user upload: match existing accounts, but never take over one that is someone else's.
 */
export function claimAccount(options: ClaimOptions): MoodleOwnership {
  const { user, protection } = options;
  const reason = protectedReason(user, protection);
  if (reason) {
    throw conflict(
      options,
      `${reason}, so mzi never changes it. Give the student an Academic_Email (and Moodle_User_ID, if set) of their own in Zoho${reason.includes('MOODLE_PROTECTED_USERS') ? ", or take the account out of MOODLE_PROTECTED_USERS if it really is the student's" : ''}, then retry this event.`,
    );
  }
  if (options.stored !== null) return options.stored;
  const current = (user.idnumber ?? '').trim();
  if (current !== '' && current === options.idnumber) return 'linked';
  if (current !== '') {
    throw conflict(
      options,
      `its idnumber is set to another value, so it belongs to someone else. Give the student an Academic_Email of their own in Zoho or, if it really is the student's account, set its idnumber in Moodle to the student's Student_ID_Number; then retry this event.`,
    );
  }
  if (options.adopt === 'unlinked') return 'adopted';
  throw conflict(
    options,
    options.matchedBy === 'known_user_id'
      ? `mzi linked it before it recorded how it owns accounts, and its idnumber is empty, so mzi cannot confirm it is the student's and left it unchanged. If it is, set its idnumber in Moodle to the student's Student_ID_Number and retry this event, or suspend or delete it by hand.`
      : `its idnumber is empty and MOODLE_ADOPT_EXISTING=never. If it is the student's account, set its idnumber in Moodle to the student's Student_ID_Number; otherwise give the student an Academic_Email of their own in Zoho. Then retry this event.`,
  );
}

const FOUND_BY: Record<MatchedBy, string> = {
  moodle_user_id: 'is the Moodle_User_ID of',
  known_user_id: 'is the account mzi recorded for',
  idnumber: 'has the Student_ID_Number (as idnumber) of',
  email: 'has the Academic_Email of',
  username: 'has the username mzi would give',
};

function conflict(options: ClaimOptions, why: string): ProcessingError {
  return new ProcessingError(
    'moodle.account_conflict',
    `Moodle user ${options.user.id} ${FOUND_BY[options.matchedBy]} Zoho record ${options.recordId}, but ${why}`,
  );
}
