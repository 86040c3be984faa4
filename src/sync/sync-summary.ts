/** Why a run stopped before reading everything. */
export type SyncStopReason = 'busy' | 'rate_limited' | 'budget' | 'backlog' | 'stopping' | 'error';

/** What one sync of a module read and did (or, with `dryRun`, would do). */
export interface SyncSummary {
  module: string;
  dryRun: boolean;
  /** The If-Modified-Since of the changed records (null: every record). */
  since: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Pages of changed and of deleted records read. */
  pages: number;
  /** Changed records and deleted records Zoho listed. */
  fetched: number;
  fetchedDeleted: number;
  /** Events appended (or that would be), by kind. */
  inserted: number;
  updated: number;
  deleted: number;
  /** Records the mirror already holds as Zoho has them. */
  unchanged: number;
  /** Differences the log already holds an event for. */
  queued: number;
  /** Records no webhook could deliver either (a field too long, an id that is no record id). */
  skipped: number;
  /** Credits Zoho counted for the run, when the client counts them. */
  credits: number | null;
  stopped: { reason: SyncStopReason; message: string } | null;
}

/** An empty summary of a run starting now. */
export function emptySummary(
  module: string,
  options: { dryRun: boolean; since: string | undefined; now: Date },
) {
  const summary: SyncSummary = {
    module,
    dryRun: options.dryRun,
    since: options.since ?? null,
    startedAt: options.now.toISOString(),
    finishedAt: null,
    pages: 0,
    fetched: 0,
    fetchedDeleted: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    queued: 0,
    skipped: 0,
    credits: null,
    stopped: null,
  };
  return summary;
}
