import { createHmac } from 'node:crypto';

/**
 * Produces the headers that `verifySignature` accepts for a body: used by `mzi send`, the tests and the benchmark.
 * With `timestamp` (seconds), the signature covers `"{timestamp}.{body}"` and the timestamp header is set.
 */
export function sign(
  body: string | Buffer,
  secret: string,
  options: { timestamp?: number } = {},
): Record<string, string> {
  const hmac = createHmac('sha256', secret);
  if (options.timestamp !== undefined) hmac.update(`${options.timestamp}.`);
  hmac.update(body);
  const headers: Record<string, string> = { 'x-zoho-signature': `sha256=${hmac.digest('hex')}` };
  if (options.timestamp !== undefined) headers['x-zoho-timestamp'] = String(options.timestamp);
  return headers;
}
