import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';

/** `zoho_connection`: the one stored connection to Zoho CRM; the `*_sealed` columns are AES-256-GCM sealed. */
export interface ZohoConnectionTable {
  /** Always 1: there is one connection. */
  id: number;
  client_id_sealed: string;
  client_secret_sealed: string;
  refresh_token_sealed: string;
  /** The data centre chosen (us, eu, …); null when only an accounts URL was given. */
  data_centre: string | null;
  accounts_url: string;
  /** The `api_domain` of the last token answer seen. */
  api_domain: string | null;
  /** The scopes Zoho granted, space-separated as Zoho writes them. */
  scopes: string;
  connected_at: string;
  /** `cli` or `dashboard`. */
  connected_via: string;
}

/** `zoho_connect_attempts`: a dashboard OAuth redirect in flight, by the SHA-256 of its `state`. */
export interface ZohoConnectAttemptsTable {
  state_hash: string;
  /** The keyed hash of the admin session that started it (as `admin_sessions` stores it). */
  session_hash: string;
  client_id_sealed: string;
  client_secret_sealed: string;
  data_centre: string | null;
  accounts_url: string;
  redirect_uri: string;
  expires_at: string;
}

export type ZohoConnectionRow = Selectable<ZohoConnectionTable>;
export type ZohoConnectAttemptRow = Selectable<ZohoConnectAttemptsTable>;

/** The database with the Zoho connection tables, which the core schema does not name. */
export function withZohoConnection(db: Kysely<Database>): Kysely<
  Database & {
    zoho_connection: ZohoConnectionTable;
    zoho_connect_attempts: ZohoConnectAttemptsTable;
  }
> {
  return db.withTables<{
    zoho_connection: ZohoConnectionTable;
    zoho_connect_attempts: ZohoConnectAttemptsTable;
  }>();
}
