import { ProcessingError } from '../../../event-log/processing-error.js';
import type { MoodleUser } from '../../../moodle/create-moodle-client.js';
import type { ClaimWords } from './person-kind.js';

/**
 * How mzi came to own a person's Moodle account (DESIGN.md §5, issue 15):
 * - `created`: mzi created it; mzi manages every field, username and auth included.
 * - `adopted`: an existing account with an empty idnumber, found by Moodle_User_ID, email or username; mzi gave it
 *   the person's idnumber and manages its profile, never its username or auth.
 * - `linked`: an existing account that already carried the person's idnumber (mzi's key: a student's
 *   Student_ID_Number, a teacher's prefixed record id); managed like an adopted one.
 * Only owned accounts are updated, suspended or deleted.
 */
export type MoodleOwnership = 'created' | 'adopted' | 'linked';

export const MOODLE_OWNERSHIPS: readonly MoodleOwnership[] = ['created', 'adopted', 'linked'];

/** How a Moodle account was found for a person. */
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
  /** The person's Moodle idnumber, mzi's link ('' when the record has none). */
  idnumber: string;
  /** The Zoho field the email came from, named when the account was found by email. */
  emailField: string;
  /** How messages name the person and their fields. */
  kind: ClaimWords;
  /** What the mirror recorded for this very account; null when nothing, or when recorded before ownership was. */
  stored: MoodleOwnership | null;
  protection: Protection;
  /** `unlinked`: an account with an empty idnumber may be adopted; `never` (and on delete): it may not. */
  adopt: 'unlinked' | 'never';
}

/**
 * Decides whether mzi may act on an existing account for a person, and as what; throws
 * `moodle.account_conflict` naming the Zoho record, the Moodle user and what to do when it may not.
 * Mirrors Moodle's own user upload: match existing accounts, but never take over one that is someone else's.
 */
export function claimAccount(options: ClaimOptions): MoodleOwnership {
  const { user, protection, kind, emailField } = options;
  const { noun } = kind;
  const setIdnumber = `set its idnumber in Moodle to ${kind.idnumberAdvice(options.idnumber)}`;
  const reason = protectedReason(user, protection);
  if (reason) {
    throw conflict(
      options,
      `${reason}, so mzi never changes it. Give the ${noun} an ${emailField} (and ${kind.moodleUserIdField}, if set) of their own in Zoho${reason.includes('MOODLE_PROTECTED_USERS') ? `, or take the account out of MOODLE_PROTECTED_USERS if it really is the ${noun}'s` : ''}, then retry this event.`,
    );
  }
  if (options.stored !== null) return options.stored;
  const current = (user.idnumber ?? '').trim();
  if (current !== '' && current === options.idnumber) return 'linked';
  if (current !== '') {
    throw conflict(
      options,
      `its idnumber is set to another value, so it belongs to someone else. Give the ${noun} an ${emailField} of their own in Zoho or, if it really is the ${noun}'s account, ${setIdnumber}; then retry this event.`,
    );
  }
  if (options.adopt === 'unlinked') return 'adopted';
  throw conflict(
    options,
    options.matchedBy === 'known_user_id'
      ? `mzi linked it before it recorded how it owns accounts, and its idnumber is empty, so mzi cannot confirm it is the ${noun}'s and left it unchanged. If it is, ${setIdnumber} and retry this event, or suspend or delete it by hand.`
      : `its idnumber is empty and MOODLE_ADOPT_EXISTING=never. If it is the ${noun}'s account, ${setIdnumber}; otherwise give the ${noun} an ${emailField} of their own in Zoho. Then retry this event.`,
  );
}

/** How the account was found, in "Moodle user 7 … Zoho record R". */
function foundBy(options: ClaimOptions): string {
  switch (options.matchedBy) {
    case 'moodle_user_id':
      return `is the ${options.kind.moodleUserIdField} of`;
    case 'known_user_id':
      return 'is the account mzi recorded for';
    case 'idnumber':
      return `has the ${options.kind.idnumberMeaning} of`;
    case 'email':
      return `has the ${options.emailField} of`;
    case 'username':
      return 'has the username mzi would give';
  }
}

function conflict(options: ClaimOptions, why: string): ProcessingError {
  return new ProcessingError(
    'moodle.account_conflict',
    `Moodle user ${options.user.id} ${foundBy(options)} Zoho record ${options.recordId}, but ${why}`,
  );
}
