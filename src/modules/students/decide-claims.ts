import { ProcessingError } from '../../event-log/processing-error.js';
import { type ClaimOptions, claimAccount, type MoodleOwnership, type Protection } from './claim-account.js';

/** A student of a batch and the existing account found for it. */
export type ClaimCandidate = Omit<ClaimOptions, 'protection' | 'adopt'>;

/** Whether mzi may act on the candidate's account, and as what; or why not. */
export type ClaimDecision = { ok: true; ownership: MoodleOwnership } | { ok: false; error: unknown };

/**
 * Decides, for every student of a batch whose account was found, whether mzi may act on it (claimAccount). An
 * account that another live student already holds (`holders`, from the mirror), or that two students of the
 * batch match, goes to one student only, the first; the others fail as a conflict (without a Student_ID_Number,
 * the idnumber cannot tell them apart).
 */
export function decideClaims(
  candidates: readonly ClaimCandidate[],
  options: { protection: Protection; holders: ReadonlyMap<number, string>; adopt: ClaimOptions['adopt'] },
): ClaimDecision[] {
  const claimedBy = new Map(options.holders);
  return candidates.map((candidate): ClaimDecision => {
    const other = claimedBy.get(candidate.user.id);
    if (other !== undefined && other !== candidate.recordId)
      return { ok: false, error: sharedAccount(candidate.user.id, candidate.recordId, other) };
    try {
      const ownership = claimAccount({ ...candidate, protection: options.protection, adopt: options.adopt });
      claimedBy.set(candidate.user.id, candidate.recordId);
      return { ok: true, ownership };
    } catch (error) {
      return { ok: false, error };
    }
  });
}

function sharedAccount(userId: number, recordId: string, otherRecordId: string): ProcessingError {
  return new ProcessingError(
    'moodle.account_conflict',
    `Moodle user ${userId}, found for Zoho record ${recordId}, is already the account of Zoho record ${otherRecordId}: each student needs an account of their own. Correct the Academic_Email or Student_ID_Number of one of them in Zoho, then retry this event.`,
  );
}
