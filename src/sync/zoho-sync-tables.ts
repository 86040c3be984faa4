import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';

/** `zoho_sync_state`: where the sync of one module stands (migration 2026-12-07-0019-zoho-sync). */
export interface ZohoSyncStateTable {
  /** The module's `name` (`student`). */
  module: string;
  /** The greatest Modified_Time of the records whose events are committed: the next run reads from here. */
  cursor: string | null;
  /** The greatest deletion time of the deleted records whose events are committed. */
  deleted_cursor: string | null;
  /** When the run under way started (NULL when none is under way). */
  run_started_at: string | null;
  /** The If-Modified-Since of the run under way (NULL: all records). */
  run_since: string | null;
  /** The next page of the run under way, and the last record of its last committed page. */
  page_token: string | null;
  last_record_id: string | null;
  /** Pages committed by the run under way (or the last one). */
  pages: number;
  last_success_at: string | null;
  /** JSON of the last finished run's SyncSummary. */
  last_summary: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** Events appended by every sync so far, by kind (bigint: text on PostgreSQL). */
  inserted_total: number | string;
  updated_total: number | string;
  deleted_total: number | string;
  /** The process syncing the module, and until when its lease holds. */
  lease_owner: string | null;
  lease_until: string | null;
  updated_at: string;
}

/** `zoho_webhook_failures`: Zoho's failed webhook deliveries as last read (Zoho keeps 30 days of them). */
export interface ZohoWebhookFailuresTable {
  id: string;
  webhook_name: string;
  module: string | null;
  record_id: string | null;
  failed_at: string;
  reason: string;
  read_at: string;
}

export type ZohoSyncStateRow = Selectable<ZohoSyncStateTable>;
export type ZohoWebhookFailureRow = Selectable<ZohoWebhookFailuresTable>;

export type SyncDatabase = Database & {
  zoho_sync_state: ZohoSyncStateTable;
  zoho_webhook_failures: ZohoWebhookFailuresTable;
};

/** The database with the sync's tables, which the core schema does not name. */
export function withSyncTables(db: Kysely<Database>): Kysely<SyncDatabase> {
  return db.withTables<{
    zoho_sync_state: ZohoSyncStateTable;
    zoho_webhook_failures: ZohoWebhookFailuresTable;
  }>();
}
