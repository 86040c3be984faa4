import { MOODLE_OWNERSHIPS, type MoodleOwnership } from './claim-account.js';
import { parseUserId } from './parse-user-id.js';
import type { ProvisionInput } from './provisioning.js';

/** What the mirror recorded, when it is about this very account. */
export function storedOwnership(
  input: Pick<ProvisionInput, 'knownMoodleUserId' | 'knownOwnership'>,
  userId: number,
): MoodleOwnership | null {
  const known = input.knownMoodleUserId === null ? undefined : parseUserId(input.knownMoodleUserId);
  if (known !== userId) return null;
  return MOODLE_OWNERSHIPS.find((o) => o === input.knownOwnership) ?? null;
}
