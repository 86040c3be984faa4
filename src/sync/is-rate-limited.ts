/**
 * Whether Zoho refused a call for too many requests or too many credits spent (HTTP 429, or the client's
 * `zoho.rate_limited`): a sync stops there and resumes from its checkpoint on its next run.
 */
export function isRateLimited(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, httpStatus } = error as { code?: unknown; httpStatus?: unknown };
  return code === 'zoho.rate_limited' || httpStatus === 429;
}
