import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a request id may look like: short, and nothing a log reader or parser could trip on. */
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The request id of a request: the client's or proxy's X-Request-Id when it is short and plain (so a request can
 * be followed through the proxy's logs), else a new UUID. A client's header is otherwise logged verbatim on
 * every line of the request, whatever its length or content (an email, control characters).
 */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && PLAIN_ID.test(given) ? given : randomUUID();
}
