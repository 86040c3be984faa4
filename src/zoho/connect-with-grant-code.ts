import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { explainConnectFailure } from './explain-connect-failure.js';
import { revokeRefreshToken } from './revoke-refresh-token.js';
import { tryZohoAccess, type ZohoAccessCheck } from './try-zoho-access.js';
import { exchangeGrantCode } from './zoho-accounts.js';
import type { ZohoDataCentre } from './zoho-api.js';
import {
  type ConnectedVia,
  type StoredZohoConnection,
  saveZohoConnection,
  type ZohoConnectionInfo,
} from './zoho-connection-store.js';
import { missingZohoScopes, ZOHO_SCOPE_LIST } from './zoho-scopes.js';
import { recordZohoUsage } from './zoho-usage.js';

export interface ConnectWithGrantCodeOptions {
  db: Kysely<Database>;
  /** The key that seals the stored secrets (resolveZohoTokenKey). */
  key: Buffer;
  clientId: string;
  clientSecret: string;
  code: string;
  dataCentre: ZohoDataCentre | undefined;
  accountsUrl: string;
  /** The redirect URI of the dashboard's authorization request; none for a Self Client code. */
  redirectUri?: string | undefined;
  via: ConnectedVia;
  /** The Zoho API name of the module the test call reads. */
  testModule: string;
  timeoutMs: number;
  now?: Date;
}

export interface ZohoConnectResult {
  info: ZohoConnectionInfo;
  /** Needed scopes Zoho did not grant (empty when it did not say which it granted and the test call passed). */
  missingScopes: string[];
  /** The test call; a missing module is reported here, the connection is stored all the same. */
  check: ZohoAccessCheck;
}

/**
 * Connects mzi to Zoho CRM: exchanges the grant code for a refresh token, checks it with one real CRM call, and
 * stores it sealed. A token that cannot read records (a missing scope, a refusal) is revoked at once and
 * nothing is stored: Zoho keeps at most 20 refresh tokens a user, and a useless one would take a place.
 */
export async function connectWithGrantCode(options: ConnectWithGrantCodeOptions): Promise<ZohoConnectResult> {
  const exchange = await exchangeGrantCode(options, { timeoutMs: options.timeoutMs }).catch(
    (error: unknown) => {
      throw explainConnectFailure(error, options.accountsUrl);
    },
  );
  const check = await tryZohoAccess({
    apiDomain: exchange.apiDomain,
    accessToken: exchange.accessToken,
    module: options.testModule,
    timeoutMs: options.timeoutMs,
  });
  // Counted as the client counts its calls; a refused call costs nothing.
  if (check.ok) await recordZohoUsage(options.db, { callType: 'list_records', credits: 1, at: Date.now() });
  if (!check.ok && check.kind !== 'module') {
    await revokeRefreshToken({
      accountsUrl: options.accountsUrl,
      refreshToken: exchange.refreshToken,
      timeoutMs: options.timeoutMs,
    });
    throw new AppError(
      check.kind === 'scope' ? 'zoho.missing_scope' : 'zoho.test_call_failed',
      check.kind === 'scope'
        ? `The new token lacks a scope mzi needs: ${check.message}. Generate the code again with the scope ${ZOHO_SCOPE_LIST} and connect again; nothing was stored.`
        : `The token test call failed: ${check.message}. Nothing was stored; check the data centre and try again.`,
      { status: check.kind === 'scope' ? 400 : 502 },
    );
  }
  const granted = exchange.scope?.split(/[\s,]+/).filter((scope) => scope !== '');
  const scopes = granted ?? [];
  const connection: StoredZohoConnection = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    refreshToken: exchange.refreshToken,
    dataCentre: options.dataCentre,
    accountsUrl: options.accountsUrl,
    apiDomain: exchange.apiDomain,
    scopes,
    connectedAt: (options.now ?? new Date()).toISOString(),
    connectedVia: options.via,
  };
  await saveZohoConnection(options.db, options.key, connection);
  const { clientId: _id, clientSecret: _secret, refreshToken: _token, ...info } = connection;
  return { info, missingScopes: granted ? missingZohoScopes(scopes) : [], check };
}
