import type { EventStatus } from '../db/schema.js';
import { AppError } from '../errors.js';

export interface PurgeScopeInput {
  /** `--before` as typed, if given. */
  before: string | undefined;
  includeFailed: boolean;
  /** RETENTION_DAYS; 0 keeps events forever. */
  retentionDays: number;
  now: Date;
}

/** What `mzi events purge` deletes: events created before a date, in the statuses that may go. */
export function resolvePurgeScope(input: PurgeScopeInput): { before: Date; statuses: EventStatus[] } {
  const before = input.before
    ? new Date(input.before)
    : new Date(input.now.getTime() - input.retentionDays * 86_400_000);
  if (Number.isNaN(before.getTime())) {
    throw new AppError(
      'usage',
      `--before takes a date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${input.before}".`,
      { status: 400 },
    );
  }
  if (!input.before && input.retentionDays === 0) {
    throw new AppError('usage', 'RETENTION_DAYS is 0 (keep forever): give --before DATE to purge.', {
      status: 400,
    });
  }
  const statuses: EventStatus[] = input.includeFailed
    ? ['completed', 'duplicate', 'failed']
    : ['completed', 'duplicate'];
  return { before, statuses };
}
