import { describe, expect, it } from 'vitest';
import { resolvePurgeScope } from '../../src/cli/resolve-purge-scope.js';
import { AppError } from '../../src/errors.js';

const now = new Date('2026-03-10T12:00:00Z');

describe('resolvePurgeScope', () => {
  it('purges completed and duplicate events older than RETENTION_DAYS by default', () => {
    expect(resolvePurgeScope({ before: undefined, includeFailed: false, retentionDays: 7, now })).toEqual({
      before: new Date('2026-03-03T12:00:00Z'),
      statuses: ['completed', 'duplicate'],
    });
  });

  it('takes --before over RETENTION_DAYS, even when RETENTION_DAYS is 0', () => {
    const scope = resolvePurgeScope({ before: '2026-01-31', includeFailed: false, retentionDays: 0, now });
    expect(scope.before.toISOString()).toBe('2026-01-31T00:00:00.000Z');
  });

  it('adds failed events only with --include-failed', () => {
    const scope = resolvePurgeScope({ before: undefined, includeFailed: true, retentionDays: 30, now });
    expect(scope.statuses).toEqual(['completed', 'duplicate', 'failed']);
  });

  it('refuses a --before that is not a date, as a usage error quoting it', () => {
    const attempt = () =>
      resolvePurgeScope({ before: 'last week', includeFailed: false, retentionDays: 7, now });
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(
      '--before takes a date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "last week".',
    );
    try {
      attempt();
    } catch (error) {
      expect((error as AppError).status).toBe(400);
    }
  });

  it('refuses to guess a date when RETENTION_DAYS is 0 and --before is missing', () => {
    expect(() =>
      resolvePurgeScope({ before: undefined, includeFailed: false, retentionDays: 0, now }),
    ).toThrow('RETENTION_DAYS is 0 (keep forever): give --before DATE to purge.');
  });
});
