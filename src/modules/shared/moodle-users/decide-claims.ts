import { ProcessingError } from '../../../event-log/processing-error.js';
import type { MoodleUserHolder } from '../../zoho-module.js';
import { type ClaimOptions, claimAccount, type MoodleOwnership, type Protection } from './claim-account.js';
import type { ClaimWords } from './person-kind.js';

/** A person of a batch and the existing account found for it. */
export type ClaimCandidate = Omit<ClaimOptions, 'protection' | 'adopt' | 'kind'>;

/** Whether mzi may act on the candidate's account, and as what; or why not. */
export type ClaimDecision = { ok: true; ownership: MoodleOwnership } | { ok: false; error: unknown };

/**
 * Decides, for every person of a batch whose account was found, whether mzi may act on it (claimAccount). An
 * account that another live record already holds (`holders`, from the mirrors of every module whose records are
 * Moodle users: a student's account is never a teacher's), or that two people of the batch match, goes to one
 * record only, the first; the others fail as a conflict naming both records (without a Student_ID_Number, the
 * idnumber cannot tell two students apart).
 */
export function decideClaims(
  candidates: readonly ClaimCandidate[],
  options: {
    protection: Protection;
    holders: ReadonlyMap<number, readonly MoodleUserHolder[]>;
    adopt: ClaimOptions['adopt'];
    kind: ClaimWords;
  },
): ClaimDecision[] {
  const { kind } = options;
  const claimedInBatch = new Map<number, string>();
  return candidates.map((candidate): ClaimDecision => {
    const userId = candidate.user.id;
    const held = options.holders
      .get(userId)
      ?.find((holder) => holder.module !== kind.module || holder.recordId !== candidate.recordId);
    if (held) return { ok: false, error: sharedAccount(candidate, held, kind) };
    const batchHolder = claimedInBatch.get(userId);
    if (batchHolder !== undefined && batchHolder !== candidate.recordId)
      return {
        ok: false,
        error: sharedAccount(candidate, { module: kind.module, recordId: batchHolder }, kind),
      };
    try {
      const ownership = claimAccount({
        ...candidate,
        protection: options.protection,
        adopt: options.adopt,
        kind,
      });
      claimedInBatch.set(userId, candidate.recordId);
      return { ok: true, ownership };
    } catch (error) {
      return { ok: false, error };
    }
  });
}

function sharedAccount(
  candidate: ClaimCandidate,
  other: Pick<MoodleUserHolder, 'module' | 'recordId'> & { zohoApiName?: string },
  kind: ClaimWords,
): ProcessingError {
  const prefix = `Moodle user ${candidate.user.id}, found for Zoho record ${candidate.recordId}, is already the account of Zoho record ${other.recordId}`;
  if (other.module === kind.module) {
    return new ProcessingError(
      'moodle.account_conflict',
      `${prefix}: each ${kind.noun} needs an account of their own. Correct the ${kind.identityFields} of one of them in Zoho, then retry this event.`,
    );
  }
  return new ProcessingError(
    'moodle.account_conflict',
    `${prefix} (${other.zohoApiName ?? other.module}, a ${other.module}), and mzi keeps a Moodle account in step with one record only. Give the ${kind.noun} an account of their own (correct the ${kind.identityFields} in Zoho), or take the account away from the ${other.module} record first; then retry this event.`,
  );
}
