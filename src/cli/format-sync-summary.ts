import type { SyncSummary } from '../sync/sync-summary.js';

const n = (value: number) => value.toLocaleString('en-US');

/** `mzi sync`'s summary of a run, in a few lines. */
export function formatSyncSummary(summary: SyncSummary): string {
  const from = summary.since ? `changed since ${summary.since}` : 'all records';
  const verb = summary.dryRun ? 'would append' : 'appended';
  const lines = [
    `${summary.module}: read ${n(summary.fetched)} records (${from}) and ${n(summary.fetchedDeleted)} deleted records in ${n(summary.pages)} pages`,
    `  ${verb}: ${n(summary.inserted)} new, ${n(summary.updated)} changed, ${n(summary.deleted)} deleted`,
    `  unchanged: ${n(summary.unchanged)}; already queued: ${n(summary.queued)}${summary.skipped ? `; skipped (see the log): ${n(summary.skipped)}` : ''}`,
    `  credits spent: ${summary.credits === null ? 'not counted' : n(summary.credits)}`,
  ];
  if (summary.dryRun) lines.push('  dry run: nothing was appended and the sync state is unchanged');
  if (summary.stopped) lines.push(`  stopped (${summary.stopped.reason}): ${summary.stopped.message}`);
  return lines.join('\n');
}

/** The progress line `mzi sync` keeps rewriting on a terminal. */
export function formatSyncProgress(summary: Readonly<SyncSummary>): string {
  const events = summary.inserted + summary.updated + summary.deleted;
  return `${summary.module}: page ${n(summary.pages)} · ${n(summary.fetched + summary.fetchedDeleted)} records read · ${n(events)} events${summary.dryRun ? ' (dry run)' : ''}`;
}
