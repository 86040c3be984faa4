import type { EventRow } from '../db/schema.js';
import { nameSearchKeys } from '../event-log/name-search-keys.js';
import { DEPENDENCY_WAITING } from '../event-log/wait-for-dependency.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import { printable } from './printable.js';

/**
 * One line per event: `[status] module.event_type - event_id at created_at`, the delivery it came from when it
 * has one (` delivery <id>`), plus the error of a failed one or what a waiting one waits for.
 */
export function formatEventLine(event: EventRow): string {
  // Each value on one line: an error message quotes Zoho values, and a newline in one could forge a line.
  const delivery = event.delivery_id === null ? '' : ` delivery ${printable(event.delivery_id)}`;
  const line = `[${event.status}] ${printable(event.module)}.${printable(event.event_type)} - ${event.event_id} at ${event.created_at}${delivery}`;
  if (event.status === 'failed' && event.error_message)
    return `${line}\n    error: ${printable(event.error_message)}`;
  if (event.status === 'pending' && event.error_code === DEPENDENCY_WAITING && event.error_message)
    return `${line}\n    waiting: ${printable(event.error_message)}`;
  if (event.status === 'duplicate' && event.duplicate_of)
    return `${line} (duplicate of ${event.duplicate_of})`;
  return line;
}

/** An event for humans (or JSON), with its stored JSON columns parsed and its search keys named by its module. */
export function eventDetail(event: EventRow, modules: readonly ZohoModule[]): Record<string, unknown> {
  return {
    ...nameSearchKeys(event, modules),
    payload: parseJson(event.payload),
    headers: parseJson(event.headers),
    warnings: parseJson(event.warnings) ?? [],
    result: parseJson(event.result),
    fetched: parseJson(event.fetched),
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
