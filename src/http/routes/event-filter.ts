import { z } from 'zod';
import { EVENT_STATUSES } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { EventFilter } from '../../event-log/apply-event-filter.js';
import { searchKeyTerms } from '../../event-log/search-key-columns.js';
import { MODULES } from '../../modules/index.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { QueryParameters } from './admin-api-schemas.js';

const EVENT_STATUS = z.enum(EVENT_STATUSES);

/**
 * Reads an event filter from query parameters (dashboard and admin API alike), refusing malformed values. The
 * `student` term is matched against the search keys of these modules.
 */
export function parseEventFilter(
  query: QueryParameters,
  modules: readonly Pick<ZohoModule, 'searchKeys'>[] = MODULES,
): EventFilter {
  const text = (key: string, max = 200) => {
    const value = query[key];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' && first.trim() !== '' ? first.trim().slice(0, max) : undefined;
  };
  const statusText = text('status');
  const status = statusText === undefined ? undefined : EVENT_STATUS.safeParse(statusText);
  if (status !== undefined && !status.success) {
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
  const student = text('student', 320);
  return {
    status: status?.data,
    module: text('module', 64),
    operation: text('operation', 16),
    recordId: text('record_id', 128),
    deliveryId: text('delivery_id', 255),
    student,
    searchKeys: student === undefined ? undefined : searchKeyTerms(student, modules),
    from: time('from'),
    to: time('to'),
  };
}
