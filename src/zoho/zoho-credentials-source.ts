import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { ZohoKeyMismatchError } from './seal-secret.js';
import { ZOHO_ACCOUNTS_URLS, type ZohoDataCentre } from './zoho-api.js';
import { describeZohoConnection, readZohoConnection } from './zoho-connection-store.js';
import { type CredentialsSource, credentialsFromEnv } from './zoho-credentials.js';
import { ZohoError } from './zoho-errors.js';
import { resolveZohoTokenKey } from './zoho-token-key.js';

/** Where the credentials in use come from: the ZOHO_* settings, the stored connection, or nowhere. */
export type ZohoCredentialsOrigin = 'env' | 'stored' | 'none';

/** The accounts server: an explicit URL (ZOHO_ACCOUNTS_URL, --accounts-url) over the data centre's. */
export function zohoAccountsUrl(options: {
  dataCentre: ZohoDataCentre | undefined;
  accountsUrl: string | undefined;
}): string | undefined {
  if (options.accountsUrl !== undefined) return options.accountsUrl.replace(/\/+$/, '');
  return options.dataCentre === undefined ? undefined : ZOHO_ACCOUNTS_URLS[options.dataCentre];
}

/** Which credentials mzi uses: the ZOHO_* settings win over a stored connection. Opens no secret. */
export async function zohoCredentialsOrigin(
  config: Config,
  db: Kysely<Database>,
): Promise<ZohoCredentialsOrigin> {
  if (credentialsFromEnv(config)) return 'env';
  return (await describeZohoConnection(db)) ? 'stored' : 'none';
}

/**
 * The credentials mzi uses: the ZOHO_* settings when set, else the stored connection, opened with the token
 * key; undefined when there are neither (webhook-only). A stored connection the key cannot open throws
 * ZohoKeyMismatchError, which says what to do.
 */
export function createZohoCredentialsSource(options: {
  config: Config;
  db: Kysely<Database>;
}): CredentialsSource {
  const { config, db } = options;
  return async () => {
    const env = credentialsFromEnv(config);
    if (env) return env;
    if (!(await describeZohoConnection(db))) return undefined;
    const stored = await openStored(config, db);
    if (!stored) return undefined;
    return {
      clientId: stored.clientId,
      clientSecret: stored.clientSecret,
      refreshToken: stored.refreshToken,
      accountsUrl: stored.accountsUrl,
      dataCentre: stored.dataCentre,
    };
  };
}

/**
 * The stored connection opened with the key in use. A key that does not fit is a ZohoError, as the client's
 * other failures are, so that an event needing Zoho fails with its message and nothing is retried blindly.
 */
async function openStored(config: Config, db: Kysely<Database>) {
  try {
    const key = resolveZohoTokenKey(config, { create: false });
    if (!key) throw new ZohoKeyMismatchError();
    return await readZohoConnection(db, key.key);
  } catch (error) {
    if (!(error instanceof ZohoKeyMismatchError)) throw error;
    throw new ZohoError(error.code, error.message, { retryable: false });
  }
}
