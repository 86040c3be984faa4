import { z } from 'zod';
import { AppError } from '../errors.js';

/** What Zoho's accounts server answers for a grant code. */
export interface GrantCodeExchange {
  refreshToken: string;
  accessToken: string;
  expiresInSeconds: number;
  /** The CRM API's base URL for this account: the only place mzi takes it from. */
  apiDomain: string;
  /** The scopes granted, when Zoho says (space- or comma-separated in its answer). */
  scopes: string[] | undefined;
}

const TOKEN_ANSWER = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  api_domain: z.string().regex(/^https?:\/\/[^\s/]+/),
  expires_in: z.coerce.number().int().positive(),
  scope: z.string().optional(),
});

const ERROR_ANSWER = z.object({ error: z.string().min(1) });

/**
 * Exchanges a grant code (a Self Client's "Generate Code", or the `code` of the OAuth redirect) for a refresh
 * token: `POST {accounts}/oauth/v2/token` with grant_type=authorization_code, the parameters in the form body
 * as Zoho asks, so that the secret stays out of URLs and proxies' logs
 * (https://www.zoho.com/crm/developer/docs/api/v8/access-refresh.html). Zoho answers errors as
 * `{"error":"invalid_code"}`, with HTTP 200 or 4xx alike; each becomes an AppError saying what to do.
 */
export async function exchangeGrantCode(options: {
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  /** The redirect URI of the authorization request; a Self Client's code has none. */
  redirectUri?: string | undefined;
  timeoutMs: number;
}): Promise<GrantCodeExchange> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: options.clientId,
    client_secret: options.clientSecret,
    code: options.code,
  });
  if (options.redirectUri !== undefined) form.set('redirect_uri', options.redirectUri);
  const url = `${options.accountsUrl}/oauth/v2/token`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new AppError(
      'zoho.accounts_unreachable',
      `Could not reach Zoho's accounts server ${options.accountsUrl} (${(error as Error).message}). Check the data centre (--dc) or --accounts-url, and that this machine can reach it.`,
      { status: 502, cause: error },
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  const failure = ERROR_ANSWER.safeParse(body);
  if (failure.success) throw grantCodeError(failure.data.error, options.accountsUrl);
  const answer = TOKEN_ANSWER.safeParse(body);
  if (!response.ok || !answer.success) {
    throw new AppError(
      'zoho.token_answer',
      `Zoho's accounts server ${options.accountsUrl} answered HTTP ${response.status} without a token. Check --accounts-url, or try again later.`,
      { status: 502 },
    );
  }
  if (answer.data.refresh_token === undefined) {
    throw new AppError(
      'zoho.no_refresh_token',
      'Zoho gave an access token but no refresh token: the code was generated for online access. Generate a new code (a Self Client code, or the dashboard flow, asks for offline access) and connect again.',
      { status: 400 },
    );
  }
  return {
    refreshToken: answer.data.refresh_token,
    accessToken: answer.data.access_token,
    expiresInSeconds: answer.data.expires_in,
    apiDomain: answer.data.api_domain.replace(/\/+$/, ''),
    scopes: answer.data.scope?.split(/[\s,]+/).filter((scope) => scope !== ''),
  };
}

/** Zoho's OAuth error codes (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html), explained. */
function grantCodeError(code: string, accountsUrl: string): AppError {
  const message =
    {
      invalid_code:
        'Zoho refused the grant code (invalid_code): it has expired (a code lives 3 to 10 minutes, as chosen when it was generated), was already used, or was made in another data centre. Generate a new code (API Console › Self Client › Generate Code) and connect again at once.',
      invalid_client: `Zoho's accounts server ${accountsUrl} does not know this client id (invalid_client). Check the client id, and the data centre: a client exists in the data centre of the account that created it (an account at zoho.eu is --dc eu).`,
      invalid_client_secret:
        'Zoho refused the client secret (invalid_client_secret). Copy it again from the API Console (the Client Secret tab of the Self Client, or of the server-based client).',
      invalid_redirect_uri:
        'Zoho refused the redirect URI (invalid_redirect_uri): add the callback URL the Connect Zoho page shows to the client\'s "Authorized Redirect URIs" in the API Console.',
      access_denied:
        'Zoho refused the request (access_denied): too many codes or tokens were asked for recently, or the consent was denied. Wait a few minutes and connect again.',
    }[code] ??
    `Zoho's accounts server refused the grant code (${code.slice(0, 60)}). Generate a new code and connect again.`;
  return new AppError(`zoho.${code === 'invalid_code' ? 'invalid_code' : 'oauth_refused'}`, message, {
    status: 400,
    details: { zoho_error: code.slice(0, 60) },
  });
}
