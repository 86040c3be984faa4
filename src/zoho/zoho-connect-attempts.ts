import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { openSecret, sealSecret } from './seal-secret.js';
import { ZOHO_DATA_CENTRES, type ZohoDataCentre } from './zoho-api.js';
import { withZohoConnection } from './zoho-connection.table.js';

/** How long the dashboard waits for Zoho's redirect back: the consent page, then a code of a few minutes. */
export const CONNECT_ATTEMPT_SECONDS = 10 * 60;

/** A dashboard OAuth redirect in flight, secrets opened. */
export interface ZohoConnectAttempt {
  sessionHash: string;
  clientId: string;
  clientSecret: string;
  dataCentre: ZohoDataCentre | undefined;
  accountsUrl: string;
  redirectUri: string;
}

/**
 * Records an OAuth redirect about to be made and returns its `state`: 32 random bytes, of which only the SHA-256
 * is stored, so the table alone cannot complete an attempt. The client secret is sealed like a connection's.
 */
export async function startZohoConnectAttempt(
  db: Kysely<Database>,
  key: Buffer,
  attempt: ZohoConnectAttempt,
  now: Date = new Date(),
): Promise<string> {
  const state = randomBytes(32).toString('base64url');
  const tables = withZohoConnection(db);
  await tables.deleteFrom('zoho_connect_attempts').where('expires_at', '<=', now.toISOString()).execute();
  await tables
    .insertInto('zoho_connect_attempts')
    .values({
      state_hash: hashState(state),
      session_hash: attempt.sessionHash,
      client_id_sealed: sealSecret(key, 'zoho_connect_attempts.client_id', attempt.clientId),
      client_secret_sealed: sealSecret(key, 'zoho_connect_attempts.client_secret', attempt.clientSecret),
      data_centre: attempt.dataCentre ?? null,
      accounts_url: attempt.accountsUrl,
      redirect_uri: attempt.redirectUri,
      expires_at: new Date(now.getTime() + CONNECT_ATTEMPT_SECONDS * 1000).toISOString(),
    })
    .execute();
  return state;
}

/**
 * The attempt of this `state`, removed so that it serves once; undefined when there is none or it expired.
 * Throws ZohoKeyMismatchError when the key changed in between.
 */
export async function takeZohoConnectAttempt(
  db: Kysely<Database>,
  key: Buffer,
  state: string,
  now: Date = new Date(),
): Promise<ZohoConnectAttempt | undefined> {
  const tables = withZohoConnection(db);
  const row = await tables
    .selectFrom('zoho_connect_attempts')
    .selectAll()
    .where('state_hash', '=', hashState(state))
    .executeTakeFirst();
  if (!row) return undefined;
  const taken = await tables
    .deleteFrom('zoho_connect_attempts')
    .where('state_hash', '=', row.state_hash)
    .executeTakeFirst();
  // Another process took it first (a reloaded callback): it serves once.
  if (Number(taken.numDeletedRows) === 0 || row.expires_at <= now.toISOString()) return undefined;
  return {
    sessionHash: row.session_hash,
    clientId: openSecret(key, 'zoho_connect_attempts.client_id', row.client_id_sealed),
    clientSecret: openSecret(key, 'zoho_connect_attempts.client_secret', row.client_secret_sealed),
    dataCentre: (ZOHO_DATA_CENTRES as readonly string[]).includes(row.data_centre ?? '')
      ? (row.data_centre as ZohoDataCentre)
      : undefined,
    accountsUrl: row.accounts_url,
    redirectUri: row.redirect_uri,
  };
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}
