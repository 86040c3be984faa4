import { AppError } from '../errors.js';

/** `--since`: an ISO 8601 time, as Zoho's `If-Modified-Since` wants it (UTC, `+00:00`). */
export function parseSince(value: string): string {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(ms)) {
    throw new AppError(
      'sync.invalid_since',
      `--since must be an ISO 8601 time such as 2026-12-01T00:00:00Z, got "${value.slice(0, 64)}".`,
      { status: 400 },
    );
  }
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}
