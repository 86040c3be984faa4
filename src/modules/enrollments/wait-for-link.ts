import { ProcessingError } from '../../event-log/processing-error.js';
import type { RecordRef } from '../zoho-module.js';

/**
 * The event waits for `ref`: that record is processed but not in Moodle yet (a class that is not Active has no
 * course). Until the generic wait lands this retries with backoff.
 */
export function waitForLink(ref: RecordRef, reason: string): Error {
  return new ProcessingError('enrollment.waiting', `Waits for ${ref.module} ${ref.recordId}: ${reason}`, {
    retryable: true,
  });
}
