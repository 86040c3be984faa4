import type { Service } from '../../src/main.js';
import { eventRow } from './deliveries.js';

/** The three body shapes Zoho (or the original system) sends a module's webhook (README, "The webhook"). */
export type BodyShape = 'custom' | 'form' | 'flat';

/**
 * Posts a record to `/api/v1/events/zoho/<module>` in one of the three shapes, then lets the worker process
 * everything due, and returns the event's row.
 */
export async function deliverRecord(
  service: Service,
  module: string,
  /** Values are text, or (JSON shapes only) Zoho's lookup objects `{id, name}`. */
  record: {
    recordId: string;
    operation?: string;
    data: Record<string, string | null | { id: string; name: string }>;
  },
  shape: BodyShape = 'custom',
) {
  const operation = record.operation ?? 'insert';
  const notificationId = `${module}-${record.recordId}-${Date.now()}-${Math.random()}`;
  let payload: string;
  let contentType = 'application/json';
  let query = '';
  if (shape === 'custom') {
    payload = JSON.stringify({
      notification_id: notificationId,
      operation,
      record_id: record.recordId,
      data: record.data,
    });
  } else if (shape === 'flat') {
    payload = JSON.stringify({ id: record.recordId, ...record.data });
    query = `?operation=${operation}`;
  } else {
    const form = new URLSearchParams({ id: record.recordId });
    for (const [key, value] of Object.entries(record.data)) {
      form.append(key, typeof value === 'object' && value !== null ? value.id : (value ?? ''));
    }
    payload = form.toString();
    contentType = 'application/x-www-form-urlencoded';
    query = `?operation=${operation}`;
  }
  const response = await service.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/${module}${query}`,
    headers: { 'content-type': contentType },
    payload,
  });
  if (response.statusCode !== 200) {
    throw new Error(`delivery refused: ${response.statusCode} ${response.body}`);
  }
  await service.worker.drain();
  return eventRow(service.database.db, (response.json() as { event_id: string }).event_id);
}

/** What a module's event `result` holds: the local mirror's action and what was done in Moodle. */
export type ModuleResult = Record<string, unknown> & { moodle: Record<string, unknown> };

/** An event's `result` as an object. */
export function resultOf(event: { result: string | null }): ModuleResult {
  return JSON.parse(event.result ?? '{}') as ModuleResult;
}

/** An event's warnings as a list. */
export function warningsOf(event: { warnings: string | null }): string[] {
  return JSON.parse(event.warnings ?? '[]') as string[];
}
