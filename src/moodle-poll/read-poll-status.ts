import type { ZohoSyncStateRow } from '../sync/zoho-sync-tables.js';

/** The state rows of Moodle polls are named `moodle:<module>` in zoho_sync_state. */
export const POLL_ROW_PREFIX = 'moodle:';

/** A module's Moodle poll, as health, the dashboard and /metrics show it (counts only, no personal data). */
export interface MoodlePollStatus {
  module: string;
  /**
   * `off`: Moodle or Zoho is not connected; `disabled`: its interval is 0 (`mzi sync <module>` still works); `on`.
   */
  status: 'off' | 'disabled' | 'on';
  interval_seconds: number;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  running: boolean;
  /** What the last poll appended and skipped, and the problems it met (course and class ids, never grades). */
  last_poll: {
    queued: number;
    removed: number;
    unchanged: number;
    skipped: Record<string, number>;
    problems: string[];
  } | null;
}

/** A polled module as the service runs it. */
export interface PolledModule {
  readonly name: string;
  readonly intervalSeconds: number;
  /** Moodle and Zoho are both connected. */
  readonly active: boolean;
}

/** The status of each polled module from its state row (`moodle:<name>`). */
export function pollStatuses(
  polled: readonly PolledModule[],
  rows: ReadonlyMap<string, ZohoSyncStateRow>,
  now: Date,
): MoodlePollStatus[] {
  return polled.map((module) => {
    const row = rows.get(`${POLL_ROW_PREFIX}${module.name}`);
    return {
      module: module.name,
      status: !module.active ? 'off' : module.intervalSeconds <= 0 ? 'disabled' : 'on',
      interval_seconds: module.intervalSeconds,
      last_success_at: row?.last_success_at ?? null,
      last_error: row?.last_error ?? null,
      last_error_at: row?.last_error_at ?? null,
      running: Boolean(row?.lease_until && row.lease_until > now.toISOString()),
      last_poll: lastPoll(row?.last_summary),
    };
  });
}

function lastPoll(text: string | null | undefined): MoodlePollStatus['last_poll'] {
  if (!text) return null;
  try {
    const summary = JSON.parse(text) as Record<string, unknown>;
    const count = (value: unknown) => (typeof value === 'number' ? value : 0);
    const skipped = (summary.skipped ?? {}) as Record<string, unknown>;
    return {
      queued: count(summary.queued),
      removed: count(summary.removed),
      unchanged: count(summary.unchanged),
      skipped: Object.fromEntries(Object.entries(skipped).map(([reason, n]) => [reason, count(n)])),
      problems: Array.isArray(summary.problems) ? summary.problems.map(String) : [],
    };
  } catch {
    return null;
  }
}
