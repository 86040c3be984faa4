import type { EventStats } from '../event-log/get-event-stats.js';
import { printable } from './printable.js';

/** `mzi stats` for humans: the total, then one line of `name=count` pairs per grouping. */
export function formatStats(stats: Omit<EventStats, 'recent_events'>): string {
  return [
    `total events: ${stats.total_events}`,
    `by status: ${formatCounts(stats.by_status)}`,
    `by source: ${formatCounts(stats.by_source)}`,
    `by module: ${formatCounts(stats.by_module)}`,
  ].join('\n');
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${printable(k)}=${v}`).join(' ');
}
