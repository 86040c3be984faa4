/** A database error in a few words, without the values it may quote (PostgreSQL's detail holds row data). */
export function databaseReason(error: unknown): string {
  const code =
    error && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message =
    error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 160) : 'unknown error';
  return code ? `${code}: ${message}` : message;
}
