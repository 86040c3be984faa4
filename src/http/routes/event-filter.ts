import { EVENT_STATUSES, type EventStatus } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { EventFilter } from '../../event-log/apply-event-filter.js';

/** Reads an event filter from query parameters (dashboard and admin API alike), refusing malformed values. */
export function parseEventFilter(query: Record<string, unknown>): EventFilter {
  const text = (key: string, max = 200) => {
    const value = query[key];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' && first.trim() !== '' ? first.trim().slice(0, max) : undefined;
  };
  const status = text('status');
  if (status !== undefined && !EVENT_STATUSES.includes(status as EventStatus)) {
    throw new AppError('invalid_filter', `status must be one of ${EVENT_STATUSES.join(', ')}.`, {
      status: 400,
    });
  }
  const time = (key: string) => {
    const value = text(key, 40);
    if (value === undefined) return undefined;
    // datetime-local inputs send 2026-11-28T10:00 (read as UTC).
    const parsed = Date.parse(/Z|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
    if (Number.isNaN(parsed))
      throw new AppError('invalid_filter', `${key} must be a date and time such as 2026-11-28T10:00.`, {
        status: 400,
      });
    return new Date(parsed).toISOString();
  };
  return {
    status: status as EventStatus | undefined,
    module: text('module', 64),
    operation: text('operation', 16),
    recordId: text('record_id', 128),
    student: text('student', 320),
    from: time('from'),
    to: time('to'),
  };
}
