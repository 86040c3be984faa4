import type { Config } from '../config.js';
import { ZOHO_ACCOUNTS_URLS, type ZohoDataCentre } from './zoho-api.js';

/**
 * What mints access tokens: a Zoho API client (id and secret), a refresh token it issued, and the accounts server
 * of the data centre that issued it. The CRM API's base URL is not here: it is the `api_domain` of each token.
 */
export interface ZohoCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** Base URL of the accounts server, without a trailing slash (`https://accounts.zoho.eu`). */
  readonly accountsUrl: string;
  readonly dataCentre?: ZohoDataCentre | undefined;
}

/**
 * Where the client reads its credentials, asked before every token mint (so a reconnect takes effect without a
 * restart). `undefined` means "not connected": the client then fails every call with `zoho.not_connected`.
 * Two sources exist: `envCredentials` (ZOHO_* settings) and the stored connection `mzi zoho connect` writes.
 */
export type CredentialsSource = () => Promise<ZohoCredentials | undefined>;

/** The accounts server: ZOHO_ACCOUNTS_URL when set, else the one of the data centre. */
export function accountsUrlFor(config: Pick<Config, 'zoho'>): string | undefined {
  const url =
    config.zoho.accountsUrl ?? (config.zoho.dataCentre && ZOHO_ACCOUNTS_URLS[config.zoho.dataCentre]);
  return url ? url.replace(/\/+$/, '') : undefined;
}

/** The credentials of ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC / ZOHO_ACCOUNTS_URL. */
export function credentialsFromEnv(config: Pick<Config, 'zoho'>): ZohoCredentials | undefined {
  const { clientId, clientSecret, refreshToken, dataCentre } = config.zoho;
  const accountsUrl = accountsUrlFor(config);
  if (!clientId || !clientSecret || !refreshToken || !accountsUrl) return undefined;
  return { clientId, clientSecret, refreshToken, accountsUrl, dataCentre };
}

/** A CredentialsSource over the ZOHO_* settings; undefined when they do not name a connection. */
export function envCredentials(config: Pick<Config, 'zoho'>): CredentialsSource | undefined {
  const credentials = credentialsFromEnv(config);
  if (!credentials) return undefined;
  return async () => credentials;
}
