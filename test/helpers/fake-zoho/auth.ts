import type { IncomingMessage } from 'node:http';
import { crmError, type FakeAnswer } from './render.js';
import type { FakeZohoState } from './state.js';

/**
 * The CRM API's checks before any handler: the `Zoho-oauthtoken` header, the token's life and scope, then the
 * injected rate limits and failures. https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html
 * (401 INVALID_TOKEN "invalid oauth token", AUTHENTICATION_FAILURE, OAUTH_SCOPE_MISMATCH; 429 TOO_MANY_REQUESTS;
 * 500 INTERNAL_ERROR).
 */
export function checkCall(
  state: FakeZohoState,
  req: IncomingMessage,
  scopePrefix: string,
): FakeAnswer | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Zoho-oauthtoken (\S+)$/.exec(header);
  if (!match?.[1]) return crmError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed');
  const token = state.accessTokens.get(match[1]);
  if (!token || token.expiresAt <= state.now()) return crmError(401, 'INVALID_TOKEN', 'invalid oauth token');
  const scopes = token.scope.split(/[\s,]+/);
  if (!scopes.some((scope) => scope.toLowerCase().startsWith(scopePrefix.toLowerCase()))) {
    return crmError(401, 'OAUTH_SCOPE_MISMATCH', 'invalid oauth scope to access this URL');
  }
  if (state.pending.inFlight > state.concurrencyLimit) {
    state.counts.concurrencyRefusals += 1;
    // "Kaizen #203 - Handling API limits": more calls in flight than the edition allows.
    return crmError(429, 'TOO_MANY_REQUESTS', 'The concurrency limit of the API has been exceeded', {
      limit: state.concurrencyLimit,
    });
  }
  if (state.pending.rateLimited > 0) {
    state.pending.rateLimited -= 1;
    // https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html: credits or concurrency exhausted.
    return crmError(
      429,
      'TOO_MANY_REQUESTS',
      'The number of requests exceeded the allowed limit. Try again later.',
    );
  }
  if (state.pending.failing > 0) {
    state.pending.failing -= 1;
    return crmError(500, 'INTERNAL_ERROR', 'Internal server error occurred.');
  }
  return undefined;
}
