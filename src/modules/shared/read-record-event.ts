import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../../db/schema.js';
import { ProcessingError } from '../../event-log/processing-error.js';
import type { RecordData } from '../zoho-module.js';
import { staleReason as modifiedTimeStaleness } from './stale-reason.js';
import { supersededBy } from './superseded-by.js';

/** An event's operation (`insert`, `update`, `delete`) and its record's data as delivered. */
export interface RecordEvent {
  readonly operation: string;
  readonly data: RecordData;
}

/** Reads the normalized payload intake stored with the event. */
export function readRecordEvent(event: ClaimedEvent): RecordEvent {
  try {
    const parsed = JSON.parse(event.payload) as { data?: RecordData };
    return { operation: event.event_type, data: parsed.data ?? {} };
  } catch (error) {
    throw new ProcessingError(
      'worker.payload_unreadable',
      'The stored payload of this event is not valid JSON.',
      { cause: error },
    );
  }
}

/**
 * Why this event must not be applied, if it must not: a retried event older than one of its record that has
 * completed since (it would undo that one), or a delivery whose Modified_Time is older than the one stored.
 */
export async function staleReason(
  db: Kysely<Database>,
  event: ClaimedEvent,
  incomingModified: string | null | undefined,
  storedModified: string | null | undefined,
): Promise<string | undefined> {
  const newer = await supersededBy(db, event);
  if (newer) return `superseded by the later event ${newer}`;
  return modifiedTimeStaleness(incomingModified, storedModified);
}

/** A delivered value, or the stored one when the delivery does not carry the field (null = emptied in Zoho). */
export function mergedValue(
  data: RecordData,
  apiName: string,
  stored: string | null | undefined,
): string | null {
  const incoming = data[apiName];
  if (incoming !== undefined) return nonEmpty(incoming);
  return nonEmpty(stored);
}

/** The trimmed text, or null when empty. */
export function nonEmpty(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The result of an event processed while Moodle is not configured (the same words as the students'). */
export const MOODLE_NOT_CONFIGURED = {
  action: 'skipped',
  reason: 'Moodle is not configured (MOODLE_URL is empty): only the local mirror was updated.',
} as const;
