/**
 * Whether an answer of Zoho's CRM API may succeed if the same request is sent again later. Ordered; the first
 * rule that matches decides (https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html).
 */
export function shouldRetryZohoAnswer(httpStatus: number, zohoCode: string | undefined): boolean {
  // 1. Too many requests (credits of the rolling 24 h, or too many calls at once): slow down, then again.
  if (httpStatus === 429 || zohoCode === 'TOO_MANY_REQUESTS') return true;
  // 2. The token expired or was dropped (a 16th token of the same refresh token drops the oldest): the client
  //    renews it and sends the call again once itself. A fresh token refused again means another program is
  //    churning tokens of the same refresh token: later may work. A revoked refresh token fails at the token
  //    endpoint instead (invalid_code, permanent).
  if (zohoCode === 'INVALID_TOKEN') return true;
  // 3. No token, or one Zoho does not know at all: configuration, not something time fixes.
  if (zohoCode === 'AUTHENTICATION_FAILURE') return false;
  // 4. The token lacks a scope, or its user lacks a permission: an administrator must change it.
  if (zohoCode === 'OAUTH_SCOPE_MISMATCH' || zohoCode === 'NO_PERMISSION') return false;
  // 5. Zoho's own failure or an overloaded gateway.
  if (httpStatus >= 500 || zohoCode === 'INTERNAL_ERROR') return true;
  // 6. Every other 4xx says the request itself is wrong (bad data, unknown module or field): the same request
  //    gets the same answer.
  return false;
}

/** The mzi error code for a code of Zoho's CRM API. */
export function zohoErrorCode(httpStatus: number, zohoCode: string | undefined): string {
  if (httpStatus === 429 || zohoCode === 'TOO_MANY_REQUESTS') return 'zoho.rate_limited';
  if (zohoCode === 'OAUTH_SCOPE_MISMATCH') return 'zoho.scope_mismatch';
  if (zohoCode && /^[A-Z0-9_]+$/i.test(zohoCode)) return `zoho.${zohoCode.toLowerCase()}`;
  if (httpStatus >= 500) return 'zoho.server_error';
  return 'zoho.http_error';
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1): Zoho's `Retry-After` when it sent one,
 * else capped exponential backoff with full jitter.
 */
export function retryDelayMs(
  attempt: number,
  options: { baseDelayMs: number; maxDelayMs: number; retryAfterSeconds?: number | undefined },
  random: () => number = Math.random,
): number {
  if (options.retryAfterSeconds !== undefined) return options.retryAfterSeconds * 1000;
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
