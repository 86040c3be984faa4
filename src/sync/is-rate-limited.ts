/** The client's codes for Zoho's refusals to serve more now: API calls, or new access tokens. */
const RATE_LIMITED_CODES = new Set([
  'zoho.rate_limited',
  'zoho.token_rate_limited',
  'zoho.token_limit_reached',
]);

/**
 * Whether Zoho refused a call for too many requests or too many credits spent (HTTP 429, or the client's
 * `zoho.rate_limited`): a sync stops there and resumes from its checkpoint on its next run.
 */
export function isRateLimited(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, httpStatus } = error as { code?: unknown; httpStatus?: unknown };
  return RATE_LIMITED_CODES.has(String(code)) || httpStatus === 429;
}
