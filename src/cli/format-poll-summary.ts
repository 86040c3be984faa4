import type { MoodlePollSummary } from '../modules/zoho-module.js';

const n = (value: number) => value.toLocaleString('en-US');

/** `mzi sync grades`'s summary of a resync, in a few lines. */
export function formatPollSummary(name: string, summary: MoodlePollSummary): string {
  const verb = summary.dryRun ? 'would append' : 'appended';
  const skipped = Object.entries(summary.skipped)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${n(count)} ${SKIP_REASONS[reason] ?? reason}`);
  const lines = [
    `${name}: read ${n(summary.coursesRead)} of ${n(summary.courses)} courses, ${n(summary.assignments)} assignments, ${n(summary.gradesRead)} grades`,
    `  ${verb}: ${n(summary.queued)} to send, ${n(summary.removed)} removed in Moodle; already in the log: ${n(summary.unchanged)}`,
    `  skipped: ${skipped.length > 0 ? skipped.join(', ') : 'none'}`,
  ];
  for (const problem of summary.problems) lines.push(`  problem: ${problem}`);
  if (summary.dryRun) lines.push('  dry run: nothing was appended and the poll cursors are unchanged');
  return lines.join('\n');
}

const SKIP_REASONS: Record<string, string> = {
  unknownStudent: 'of users who are no student mzi knows',
  unknownClass: "in courses that no longer carry their class's idnumber",
  ungraded: 'without a grade',
  notGraded: 'assignments not graded',
};

/** The progress bar `mzi sync grades` keeps redrawing on a terminal. */
export function formatPollProgress(name: string, summary: Readonly<MoodlePollSummary>): string {
  const width = 20;
  const done = summary.courses === 0 ? width : Math.round((summary.coursesRead / summary.courses) * width);
  const bar = `${'#'.repeat(done)}${'-'.repeat(width - done)}`;
  return `${name}: [${bar}] ${n(summary.coursesRead)}/${n(summary.courses)} courses · ${n(summary.gradesRead)} grades · ${n(summary.queued + summary.removed)} events${summary.dryRun ? ' (dry run)' : ''}`;
}
