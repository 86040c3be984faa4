import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import { type MoodlePollStatus, type PolledModule, pollStatuses } from '../moodle-poll/read-poll-status.js';
import { ROUND_ROW } from './run-sync-round.js';
import { listWebhookFailures } from './store-webhook-failures.js';
import { listSyncStates } from './sync-state.js';

/** A module's sync, as health, the dashboard and /metrics show it (no personal data). */
export interface ModuleSyncStatus {
  module: string;
  /** The greatest Modified_Time read and committed. */
  cursor: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** A run is under way (a process holds the module's lease). */
  running: boolean;
  /** Events appended by every sync so far. */
  appended: { insert: number; update: number; delete: number };
}

/** The Zoho sync as health and the dashboard report it. */
export interface ZohoSyncStatus {
  /**
   * `off`: no Zoho credentials (webhooks only); `disabled`: ZOHO_SYNC_INTERVAL=0 (`mzi sync` still works);
   * `on`: background sync runs; `budget_reached`: it waits for the credits of the last 24 h to fall below the budget.
   */
  status: 'off' | 'disabled' | 'on' | 'budget_reached';
  interval_seconds: number;
  budget: { daily_credits: number | null; spent_24h: number | null; reached: boolean };
  last_round: { at: string | null; status: string | null; message: string | null };
  modules: ModuleSyncStatus[];
  /** The modules read from Moodle (grades): their polls. */
  moodle_polls: MoodlePollStatus[];
  webhook_failures: {
    count: number;
    latest_at: string | null;
    recent: {
      webhook: string;
      module: string | null;
      record_id: string | null;
      failed_at: string;
      reason: string;
    }[];
  };
}

/** Reads the sync's state from the database, so that every process reports what the syncing one did. */
export async function readSyncStatus(
  db: Kysely<Database>,
  options: {
    modules: readonly ZohoModule[];
    /** Modules polled from Moodle; none by default. */
    polled?: readonly PolledModule[];
    connected: boolean;
    intervalSeconds: number;
    dailyCreditBudget: number | undefined;
    creditsLast24h: (() => Promise<number>) | undefined;
    now?: Date;
  },
): Promise<ZohoSyncStatus> {
  const now = options.now ?? new Date();
  const [states, failures, spent] = await Promise.all([
    listSyncStates(db),
    listWebhookFailures(db, 20),
    options.connected && options.creditsLast24h ? options.creditsLast24h() : Promise.resolve(null),
  ]);
  const byModule = new Map(states.map((state) => [state.module, state]));
  const round = byModule.get(ROUND_ROW);
  const roundSummary = parse(round?.last_summary);
  const budget = options.dailyCreditBudget ?? null;
  const reached = budget !== null && spent !== null && spent >= budget;
  return {
    status: !options.connected
      ? 'off'
      : options.intervalSeconds <= 0
        ? 'disabled'
        : reached
          ? 'budget_reached'
          : 'on',
    interval_seconds: options.intervalSeconds,
    budget: { daily_credits: budget, spent_24h: spent, reached },
    last_round: {
      at: round?.last_success_at ?? null,
      status: typeof roundSummary.status === 'string' ? roundSummary.status : null,
      message: typeof roundSummary.message === 'string' ? roundSummary.message : null,
    },
    modules: options.modules.map((module) => {
      const state = byModule.get(module.name);
      return {
        module: module.name,
        cursor: state?.cursor ?? null,
        last_success_at: state?.last_success_at ?? null,
        last_error: state?.last_error ?? null,
        last_error_at: state?.last_error_at ?? null,
        running: Boolean(state?.lease_until && state.lease_until > now.toISOString()),
        appended: {
          insert: Number(state?.inserted_total ?? 0),
          update: Number(state?.updated_total ?? 0),
          delete: Number(state?.deleted_total ?? 0),
        },
      };
    }),
    moodle_polls: pollStatuses(options.polled ?? [], byModule, now),
    webhook_failures: {
      count: failures.count,
      latest_at: failures.recent[0]?.failed_at ?? null,
      recent: failures.recent.map((row) => ({
        webhook: row.webhook_name,
        module: row.module,
        record_id: row.record_id,
        failed_at: row.failed_at,
        reason: row.reason,
      })),
    },
  };
}

function parse(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}
