import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { revokeRefreshToken } from './revoke-refresh-token.js';
import { deleteZohoConnection, readZohoConnection } from './zoho-connection-store.js';
import { resolveZohoTokenKey } from './zoho-token-key.js';

/**
 * Removes the stored Zoho connection, first revoking its refresh token at Zoho when `revoke` (which ends every
 * access token made from it). Returns why the token could not be revoked, or undefined when it was; the
 * connection is removed either way.
 */
export async function removeZohoConnection(
  config: Config,
  db: Kysely<Database>,
  options: { revoke: boolean; noTokenReason: string },
): Promise<string | undefined> {
  let failure: string | undefined;
  if (options.revoke) {
    const key = resolveZohoTokenKey(config, { create: false });
    const stored = key ? await readZohoConnection(db, key.key).catch(() => undefined) : undefined;
    failure = stored
      ? await revokeRefreshToken({
          accountsUrl: stored.accountsUrl,
          refreshToken: stored.refreshToken,
          timeoutMs: config.zoho.timeoutMs,
        })
      : options.noTokenReason;
  }
  await deleteZohoConnection(db);
  return failure;
}
