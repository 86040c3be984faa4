import type { ClaimedEvent } from '../../db/schema.js';
import { ProcessingError } from '../../event-log/processing-error.js';
import type { RecordData } from '../zoho-module.js';

/** The record data of an event's stored payload (intake normalized it to `{ data }`). */
export function readEventData(event: ClaimedEvent): RecordData {
  try {
    return (JSON.parse(event.payload) as { data?: RecordData }).data ?? {};
  } catch (error) {
    throw new ProcessingError(
      'worker.payload_unreadable',
      'The stored payload of this event is not valid JSON.',
      {
        cause: error,
      },
    );
  }
}
