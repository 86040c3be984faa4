import { z } from 'zod';
import { sendRequest, type ZohoTransport } from '../http-client/send-request.js';
import { callFailure, transportFailure } from './call-failure.js';
import type { ZohoCredentials } from './zoho-credentials.js';
import { ZohoError } from './zoho-errors.js';

/** An access token as the accounts server returns it (https://www.zoho.com/crm/developer/docs/api/v8/refresh.html). */
export interface ZohoAccessToken {
  readonly accessToken: string;
  /** Seconds from now; Zoho says 3600. */
  readonly expiresIn: number;
  /** The CRM API's base URL for this account (`https://www.zohoapis.eu`): the only source of it. */
  readonly apiDomain: string;
  /** Space-separated scopes granted, when Zoho says (`ZohoCRM.modules.ALL ZohoCRM.settings.ALL`). */
  readonly scope: string | undefined;
  readonly tokenType: string;
}

export interface AccountsOptions {
  transport?: ZohoTransport | undefined;
  timeoutMs?: number | undefined;
}

const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  api_domain: z.string().regex(/^https?:\/\//),
  token_type: z.string().default('Bearer'),
  scope: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});

/**
 * Mints an access token from the refresh token (`grant_type=refresh_token`,
 * https://www.zoho.com/crm/developer/docs/api/v8/refresh.html). Zoho allows 10 of these per refresh token in
 * 10 minutes: call it only through the shared token store, never per request.
 */
export async function refreshAccessToken(
  credentials: ZohoCredentials,
  options: AccountsOptions = {},
): Promise<ZohoAccessToken> {
  const answer = await postToken(
    credentials.accountsUrl,
    {
      grant_type: 'refresh_token',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      refresh_token: credentials.refreshToken,
    },
    options,
  );
  return toAccessToken(answer);
}

/**
 * Exchanges a grant code (a Self Client's, or the OAuth redirect's `code`) for a refresh token and a first access
 * token (`grant_type=authorization_code`, https://www.zoho.com/crm/developer/docs/api/v8/access-refresh.html).
 */
export async function exchangeGrantCode(
  request: {
    accountsUrl: string;
    clientId: string;
    clientSecret: string;
    code: string;
    /** Required for the redirect flow (the registered callback URL); a Self Client has none. */
    redirectUri?: string | undefined;
  },
  options: AccountsOptions = {},
): Promise<ZohoAccessToken & { refreshToken: string }> {
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    client_id: request.clientId,
    client_secret: request.clientSecret,
    code: request.code,
  };
  if (request.redirectUri) form.redirect_uri = request.redirectUri;
  const answer = await postToken(request.accountsUrl.replace(/\/+$/, ''), form, options);
  if (!answer.refresh_token) {
    throw new ZohoError(
      'zoho.no_refresh_token',
      'Zoho exchanged the grant code without returning a refresh token: generate the code with access_type=offline (a Self Client always does) and try again',
      { retryable: false },
    );
  }
  return { ...toAccessToken(answer), refreshToken: answer.refresh_token };
}

function toAccessToken(answer: z.output<typeof tokenSchema>): ZohoAccessToken {
  return {
    accessToken: answer.access_token,
    expiresIn: answer.expires_in,
    apiDomain: answer.api_domain.replace(/\/+$/, ''),
    scope: answer.scope,
    tokenType: answer.token_type,
  };
}

async function postToken(
  accountsUrl: string,
  form: Record<string, string>,
  options: AccountsOptions,
): Promise<z.output<typeof tokenSchema>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const secrets = [form.client_secret, form.refresh_token, form.code].filter((s): s is string => !!s);
  const where = 'the Zoho accounts server';
  let status: number;
  let text: string;
  try {
    // Everything in the body, never the query string: it keeps the secrets out of access logs.
    const response = await (options.transport ?? sendRequest)(`${accountsUrl}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw transportFailure(error, { where, timeoutMs, secrets });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw callFailure({ where, status, zohoCode: undefined, message: 'answer is not JSON', secrets });
  }
  const parsed = tokenSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw accountsError(json, status, secrets);
}

/**
 * The accounts server answers most refusals with HTTP 200 and an `error` field
 * (https://www.zoho.com/crm/developer/docs/api/v8/token-validity.html; "Kaizen #43 Tokens and limitations").
 */
function accountsError(json: unknown, status: number, secrets: readonly string[]): ZohoError {
  const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const error = typeof body.error === 'string' ? body.error : undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  // 1. More than 10 access tokens from one refresh token in 10 minutes: "Access Denied", "too many requests".
  if (error !== undefined && /access denied/i.test(error) && /too many requests/i.test(description)) {
    return new ZohoError(
      'zoho.token_rate_limited',
      'Zoho refused a new access token: more than 10 were asked for in 10 minutes with this refresh token (another program using the same refresh token?); mzi waits and tries again',
      { retryable: true, zohoCode: error, httpStatus: status },
    );
  }
  // 2. The refresh token (or grant code) is unknown, revoked or expired: only a new connection fixes it.
  if (error === 'invalid_code') {
    return new ZohoError(
      'zoho.invalid_code',
      'Zoho refused the refresh token or grant code (invalid_code): it was revoked, has expired (a grant code lives minutes) or belongs to another data centre; connect again with `mzi zoho connect`, or set a new ZOHO_REFRESH_TOKEN',
      { retryable: false, zohoCode: error, httpStatus: status },
    );
  }
  // 3. The client id or secret is wrong, or the client was deleted.
  if (error === 'invalid_client' || error === 'invalid_client_secret') {
    return new ZohoError(
      'zoho.invalid_client',
      `Zoho refused the API client (${error}): check ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET against the Zoho API Console of the same data centre`,
      { retryable: false, zohoCode: error, httpStatus: status },
    );
  }
  if (error !== undefined) {
    return new ZohoError(
      `zoho.${/^[a-z0-9_]+$/i.test(error) ? error.toLowerCase() : 'accounts_error'}`,
      scrub(
        `Zoho's accounts server refused the token request: ${error}${description ? ` (${description})` : ''}`,
      ),
      { retryable: status >= 500, zohoCode: error, httpStatus: status },
    );
  }
  return callFailure({
    where: "Zoho's accounts server",
    status,
    zohoCode: undefined,
    message: 'answer is not a token',
    secrets,
  });
}
