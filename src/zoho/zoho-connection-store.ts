import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { openSecret, sealSecret } from './seal-secret.js';
import { ZOHO_DATA_CENTRES, type ZohoDataCentre } from './zoho-api.js';
import { withZohoConnection, type ZohoConnectionRow } from './zoho-connection.table.js';

/** How a connection was made: `mzi zoho connect` or the dashboard's Connect Zoho page. */
export type ConnectedVia = 'cli' | 'dashboard';

/** What the stored connection says without opening its secrets: safe to show. */
export interface ZohoConnectionInfo {
  dataCentre: ZohoDataCentre | undefined;
  accountsUrl: string;
  apiDomain: string | undefined;
  scopes: string[];
  connectedAt: string;
  connectedVia: ConnectedVia;
}

/** The stored connection, secrets opened. */
export interface StoredZohoConnection extends ZohoConnectionInfo {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

const ROW_ID = 1;

/** Stores the connection (replacing any other), its client id, secret and refresh token sealed under `key`. */
export async function saveZohoConnection(
  db: Kysely<Database>,
  key: Buffer,
  connection: StoredZohoConnection,
): Promise<void> {
  const row: ZohoConnectionRow = {
    id: ROW_ID,
    client_id_sealed: sealSecret(key, 'zoho_connection.client_id', connection.clientId),
    client_secret_sealed: sealSecret(key, 'zoho_connection.client_secret', connection.clientSecret),
    refresh_token_sealed: sealSecret(key, 'zoho_connection.refresh_token', connection.refreshToken),
    data_centre: connection.dataCentre ?? null,
    accounts_url: connection.accountsUrl,
    api_domain: connection.apiDomain ?? null,
    scopes: connection.scopes.join(' '),
    connected_at: connection.connectedAt,
    connected_via: connection.connectedVia,
  };
  await withZohoConnection(db)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('zoho_connection').execute();
      await trx.insertInto('zoho_connection').values(row).execute();
    });
}

/** The stored connection without its secrets, or undefined; never needs the key. */
export async function describeZohoConnection(db: Kysely<Database>): Promise<ZohoConnectionInfo | undefined> {
  const row = await selectRow(db);
  return row ? infoOf(row) : undefined;
}

/**
 * The stored connection with its secrets, or undefined when there is none. Throws ZohoKeyMismatchError when
 * `key` is not the one it was sealed with.
 */
export async function readZohoConnection(
  db: Kysely<Database>,
  key: Buffer,
): Promise<StoredZohoConnection | undefined> {
  const row = await selectRow(db);
  if (!row) return undefined;
  return {
    ...infoOf(row),
    clientId: openSecret(key, 'zoho_connection.client_id', row.client_id_sealed),
    clientSecret: openSecret(key, 'zoho_connection.client_secret', row.client_secret_sealed),
    refreshToken: openSecret(key, 'zoho_connection.refresh_token', row.refresh_token_sealed),
  };
}

/** Records the `api_domain` of a later token answer, which Zoho may change. */
export async function noteZohoApiDomain(db: Kysely<Database>, apiDomain: string): Promise<void> {
  await withZohoConnection(db)
    .updateTable('zoho_connection')
    .set({ api_domain: apiDomain })
    .where('id', '=', ROW_ID)
    .where((eb) => eb.or([eb('api_domain', 'is', null), eb('api_domain', '!=', apiDomain)]))
    .execute();
}

/** Forgets the stored connection; true when there was one. */
export async function deleteZohoConnection(db: Kysely<Database>): Promise<boolean> {
  const result = await withZohoConnection(db).deleteFrom('zoho_connection').executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

async function selectRow(db: Kysely<Database>): Promise<ZohoConnectionRow | undefined> {
  return withZohoConnection(db)
    .selectFrom('zoho_connection')
    .selectAll()
    .where('id', '=', ROW_ID)
    .executeTakeFirst();
}

function infoOf(row: ZohoConnectionRow): ZohoConnectionInfo {
  return {
    dataCentre: (ZOHO_DATA_CENTRES as readonly string[]).includes(row.data_centre ?? '')
      ? (row.data_centre as ZohoDataCentre)
      : undefined,
    accountsUrl: row.accounts_url,
    apiDomain: row.api_domain ?? undefined,
    scopes: row.scopes.split(/[\s,]+/).filter((scope) => scope !== ''),
    connectedAt: row.connected_at,
    connectedVia: row.connected_via === 'dashboard' ? 'dashboard' : 'cli',
  };
}
