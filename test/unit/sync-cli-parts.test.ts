import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatSyncSummary } from '../../src/cli/format-sync-summary.js';
import { isDeadLocalOwner, leaseOwner } from '../../src/sync/lease-owner.js';
import { emptySummary } from '../../src/sync/sync-summary.js';

describe('sync lease owners', () => {
  it('judges dead only a process of this host that no longer runs', () => {
    const ended = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(isDeadLocalOwner(`${hostname()}:${ended}:mzi sync:abcd1234`)).toBe(true);
    expect(isDeadLocalOwner(leaseOwner('mzi sync'))).toBe(false);
    expect(isDeadLocalOwner(`another-host.example:${ended}:mzi serve:abcd1234`)).toBe(false);
    expect(isDeadLocalOwner(null)).toBe(false);
  });
});

describe('formatSyncSummary', () => {
  it('says what a run read and appended, and why it stopped', () => {
    const summary = {
      ...emptySummary('student', { dryRun: false, since: '2026-12-07T08:00:00+00:00', now: new Date() }),
      pages: 13,
      fetched: 2294,
      fetchedDeleted: 6,
      inserted: 2199,
      updated: 10,
      deleted: 5,
      unchanged: 86,
      credits: 13,
      stopped: { reason: 'rate_limited' as const, message: 'zoho.rate_limited: slow down' },
    };
    expect(formatSyncSummary(summary).split('\n')).toEqual([
      'student: read 2,294 records (changed since 2026-12-07T08:00:00+00:00) and 6 deleted records in 13 pages',
      '  appended: 2,199 new, 10 changed, 5 deleted',
      '  unchanged: 86; already queued: 0',
      '  credits spent: 13',
      '  stopped (rate_limited): zoho.rate_limited: slow down',
    ]);
  });
});
