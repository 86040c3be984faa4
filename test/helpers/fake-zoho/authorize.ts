import type { FakeAnswer } from './render.js';
import type { FakeZohoState } from './state.js';

/**
 * `GET {accounts}/oauth/v2/auth`, as Zoho answers once the user has signed in and accepted the consent screen:
 * a redirect to `redirect_uri` with `code`, `location`, `accounts-server` and the `state` sent
 * (https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html,
 * https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html). The code grants the scopes asked for
 * (comma-separated in the request) and lives as a Self Client's does. An unknown client or a missing parameter
 * gets Zoho's error page, here a 400.
 */
export function authorize(state: FakeZohoState, params: URLSearchParams, accountsUrl: string): FakeAnswer {
  const redirectUri = params.get('redirect_uri');
  if (params.get('client_id') !== state.clientId || params.get('response_type') !== 'code' || !redirectUri)
    return { status: 400, json: { error: 'invalid_client' } };
  const scope = (params.get('scope') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .join(' ');
  const code = state.issueGrantCode(scope);
  const back = new URL(redirectUri);
  back.searchParams.set('state', params.get('state') ?? '');
  back.searchParams.set('code', code);
  back.searchParams.set('location', 'us');
  back.searchParams.set('accounts-server', accountsUrl);
  return { status: 302, headers: { location: back.toString() } };
}

/**
 * `POST {accounts}/oauth/v2/token/revoke?token=…`: `{"status":"success"}`, and the refresh token and every access
 * token it minted stop working; a token it does not know is HTTP 400
 * (https://www.zoho.com/accounts/protocol/oauth/revoke-refresh-token.html).
 */
export function revoke(state: FakeZohoState, params: URLSearchParams): FakeAnswer {
  const token = params.get('token') ?? '';
  if (!state.refreshTokens.delete(token)) return { status: 400, json: { status: 'failure' } };
  for (const [access, minted] of state.accessTokens)
    if (minted.refreshToken === token) state.accessTokens.delete(access);
  return { status: 200, json: { status: 'success' } };
}
