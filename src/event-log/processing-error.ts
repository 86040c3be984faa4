import { AppError } from '../errors.js';

/**
 * A reason an event could not be processed. `retryable` says whether the cause may pass (network, Moodle down)
 * or is wrong data that only a change in Zoho or an operator can fix.
 */
export class ProcessingError extends AppError {
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ProcessingError';
    this.retryable = options.retryable ?? false;
  }
}
