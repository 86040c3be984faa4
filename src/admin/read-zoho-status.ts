import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { ZohoKeyMismatchError } from '../zoho/seal-secret.js';
import type { ZohoDataCentre } from '../zoho/zoho-api.js';
import {
  describeZohoConnection,
  readZohoConnection,
  type ZohoConnectionInfo,
} from '../zoho/zoho-connection-store.js';
import { credentialsFromEnv } from '../zoho/zoho-credentials.js';
import type { ZohoCredentialsOrigin } from '../zoho/zoho-credentials-source.js';
import { missingZohoScopes } from '../zoho/zoho-scopes.js';
import { resolveZohoTokenKey } from '../zoho/zoho-token-key.js';

/** The Zoho connection as the dashboard shows it: nothing secret. */
export interface ZohoStatus {
  origin: ZohoCredentialsOrigin;
  stored: ZohoConnectionInfo | undefined;
  /** Why the stored connection cannot be opened with the key in use, if it cannot. */
  storedProblem: string | undefined;
  env: { dataCentre: ZohoDataCentre | undefined; accountsUrl: string } | undefined;
  missingScopes: string[];
}

/** Reads which connection is in use and what it says, opening the stored one only to prove the key fits. */
export async function readZohoStatus(config: Config, db: Kysely<Database>): Promise<ZohoStatus> {
  const envCredentials = credentialsFromEnv(config);
  const stored = await describeZohoConnection(db);
  let storedProblem: string | undefined;
  if (stored) {
    try {
      const key = resolveZohoTokenKey(config, { create: false });
      if (!key) throw new ZohoKeyMismatchError();
      await readZohoConnection(db, key.key);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      storedProblem = error.message;
    }
  }
  return {
    origin: envCredentials ? 'env' : stored ? 'stored' : 'none',
    stored,
    storedProblem,
    env: envCredentials
      ? { dataCentre: envCredentials.dataCentre, accountsUrl: envCredentials.accountsUrl }
      : undefined,
    missingScopes: stored && stored.scopes.length > 0 ? missingZohoScopes(stored.scopes) : [],
  };
}
