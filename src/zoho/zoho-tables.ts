import type { Generated, Kysely } from 'kysely';
import type { Database, Timestamp } from '../db/schema.js';

/** `zoho_access_token`: the one access token every mzi process shares (row id 1), and the lease to renew it. */
export interface ZohoAccessTokenTable {
  id: number;
  /** Encrypted (see token-cipher.ts); null until the first mint. */
  access_token: string | null;
  api_domain: string | null;
  scope: string | null;
  expires_at: Timestamp | null;
  minted_at: Timestamp | null;
  /** Bumped by every mint and every invalidation: a compare-and-set guard. */
  generation: number;
  /** The process renewing the token, until `lease_until`. */
  lease_owner: string | null;
  lease_until: Timestamp | null;
}

/** `zoho_token_mints`: every request to Zoho's token endpoint, to stay within 10 per 10 minutes. */
export interface ZohoTokenMintsTable {
  id: Generated<number>;
  requested_at: Timestamp;
  requested_by: string;
  /** `ok` or the mzi error code; null while the request is under way. */
  outcome: string | null;
}

/** `zoho_api_usage`: calls and API credits per hour (`2026-12-07T10:00:00.000Z`) and call type. */
export interface ZohoApiUsageTable {
  hour: Timestamp;
  call_type: string;
  calls: number;
  credits: number;
}

export type ZohoTables = {
  zoho_access_token: ZohoAccessTokenTable;
  zoho_token_mints: ZohoTokenMintsTable;
  zoho_api_usage: ZohoApiUsageTable;
};

export type ZohoDatabase = Kysely<Database & ZohoTables>;

/** The database with the Zoho client's tables, which the core schema does not name. */
export function withZohoTables(db: Kysely<Database>): ZohoDatabase {
  return db.withTables<ZohoTables>();
}
