/**
 * SQLSTATE classes that say the server went away, cannot take the connection or has no room now, not that the
 * statement was wrong: 08 connection exception, 53 insufficient resources (disk_full, too_many_connections…),
 * 57P operator intervention (pg_terminate_backend, a fast or crash shutdown, starting up).
 */
const UNAVAILABLE_SQLSTATE = /^((08|53)[0-9A-Z]{3}|57P[0-9A-Z]{2})$/;

/**
 * SQLite result codes (extended codes start with their primary code) that refuse every write for now: locked by
 * another process, out of space, the disk failing or read-only.
 */
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM)/;

/** Socket-level failures on the way to a server: the database's, or Moodle's for the retry policy. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * What node-postgres says, without a code, when a connection dies under a query, was already broken, or could
 * not be made in time (pg's client.js and pg-pool).
 */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

/**
 * Whether an error means the database refuses every write for now (unreachable, a dropped connection, locked by
 * another process, out of space), so the same work may succeed later: intake answers 503 at once for the whole
 * group and what queued behind it, and the worker tries again, instead of calling the data bad.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SQLITE.test(code) || NETWORK_CODES.has(code))
      return true;
  }
  if (DRIVER_MESSAGES.some((message) => error.message.startsWith(message))) return true;
  // Connecting to a name with several addresses fails with an AggregateError of one error per address.
  if (
    error instanceof AggregateError &&
    error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))
  )
    return true;
  return isDatabaseUnavailable(error.cause, depth + 1);
}
