import { firstRefreshToken } from './create-state.js';
import type { FakeAnswer } from './render.js';
import { type FakeZohoState, randomToken } from './state.js';

const TOKEN_LIMIT = 10;
const TOKEN_WINDOW_MS = 10 * 60_000;
/** "A maximum of 15 active access tokens can be stored per refresh token": the 16th invalidates the oldest. */
const ACTIVE_TOKENS = 15;

/**
 * `POST {accounts}/oauth/v2/token`. Refusals are HTTP 200 with an `error` field.
 * https://www.zoho.com/crm/developer/docs/api/v8/refresh.html (grant_type=refresh_token),
 * https://www.zoho.com/crm/developer/docs/api/v8/access-refresh.html (grant_type=authorization_code),
 * https://www.zoho.com/crm/developer/docs/api/v8/token-validity.html (10 access tokens per 10 minutes, 15 active).
 */
export function handleToken(state: FakeZohoState, params: URLSearchParams, apiDomain: string): FakeAnswer {
  state.counts.tokenRequests += 1;
  if (params.get('client_id') !== state.clientId) return refused('invalid_client');
  if (params.get('client_secret') !== state.clientSecret) return refused('invalid_client_secret');
  const grantType = params.get('grant_type');
  if (grantType === 'refresh_token') {
    const refreshToken = params.get('refresh_token') ?? '';
    const grant = state.refreshTokens.get(refreshToken);
    if (!grant) return refused('invalid_code');
    return mint(state, refreshToken, grant.scope, apiDomain);
  }
  if (grantType === 'authorization_code') {
    const code = params.get('code') ?? '';
    const grant = state.grantCodes.get(code);
    // A grant code is used once and lives three minutes.
    state.grantCodes.delete(code);
    if (!grant || grant.expiresAt < state.now()) return refused('invalid_code');
    const refreshToken = randomToken('1000');
    state.refreshTokens.set(refreshToken, { scope: grant.scope });
    const answer = mint(state, refreshToken, grant.scope, apiDomain);
    return { ...answer, json: { ...(answer.json as object), refresh_token: refreshToken } };
  }
  return refused('unsupported_grant_type');
}

function mint(state: FakeZohoState, refreshToken: string, scope: string, apiDomain: string): FakeAnswer {
  const now = state.now();
  const times = (state.mintTimes.get(refreshToken) ?? []).filter((at) => at > now - TOKEN_WINDOW_MS);
  state.mintTimes.set(refreshToken, times);
  if (times.length >= TOKEN_LIMIT) {
    // "Kaizen #43 - Tokens and limitations": the status stays 200, the answer says Access Denied.
    return {
      status: 200,
      json: {
        error_description: 'You have made too many requests continuously. Please try again after some time.',
        error: 'Access Denied',
        status: 'failure',
      },
    };
  }
  times.push(now);
  state.counts.tokenMints += 1;
  const accessToken = randomToken('1000');
  state.accessTokens.set(accessToken, {
    refreshToken,
    scope,
    expiresAt: now + state.accessTokenLifetimeSeconds * 1000,
  });
  dropOldestBeyondActiveLimit(state, refreshToken);
  return {
    status: 200,
    json: {
      access_token: accessToken,
      scope,
      api_domain: apiDomain,
      token_type: 'Bearer',
      expires_in: state.accessTokenLifetimeSeconds,
    },
  };
}

function dropOldestBeyondActiveLimit(state: FakeZohoState, refreshToken: string): void {
  const mine = [...state.accessTokens.entries()].filter(([, token]) => token.refreshToken === refreshToken);
  for (const [token] of mine.slice(0, Math.max(0, mine.length - ACTIVE_TOKENS)))
    state.accessTokens.delete(token);
}

function refused(error: string): FakeAnswer {
  return { status: 200, json: { error } };
}

export { firstRefreshToken };
