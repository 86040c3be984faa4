import type { EventRow } from '../db/schema.js';

/** The columns of an event in lists (no bodies). */
export const EVENT_SUMMARY_COLUMNS = [
  'id',
  'event_id',
  'source',
  'module',
  'event_type',
  'record_id',
  'status',
  'error_code',
  'error_message',
  'attempts',
  'duplicate_of',
  'delivery_id',
  'created_at',
  'processed_at',
  'next_attempt_at',
  'search_key_1',
  'search_key_2',
] as const;

export type EventSummary = Pick<EventRow, (typeof EVENT_SUMMARY_COLUMNS)[number]>;
