/** What the public sees of an error text that carries no code. */
export const ADMIN_ONLY = '[shown with the admin token]';

/** Plain words for the error codes a database outage shows, so the public answer still says what is wrong. */
const ERROR_WORDS: Array<[RegExp, string]> = [
  [/^(SQLITE_FULL|53100)$/, 'the disk is full'],
  [/^SQLITE_(BUSY|LOCKED)/, 'the database is locked by another process'],
  [/^(08|57P)|^E[A-Z]+$/, 'the database server cannot be reached'],
];

/**
 * Error texts may name a file path or PostgreSQL's host, port and user (`connect ECONNREFUSED 10.0.0.5:5432`,
 * `password authentication failed for user "mzi"`): the public sees an error's code in plain words, the admin
 * the whole text.
 */
export function publicError(text: string | null): string | null {
  if (text === null) return null;
  const code = /^([A-Z][A-Z0-9_]*|[0-9A-Z]{5}): /.exec(text)?.[1];
  if (code === undefined) return ADMIN_ONLY;
  const words = ERROR_WORDS.find(([pattern]) => pattern.test(code))?.[1];
  return words ? `${code}: ${words}` : code;
}
