import { ProcessingError } from '../event-log/processing-error.js';

/**
 * Any failure talking to Zoho (accounts server or CRM API). A ProcessingError, so the worker's `shouldRetry`
 * reads `retryable` and an event's `error_message` is the message. Messages never contain a token or secret.
 */
export class ZohoError extends ProcessingError {
  /** Zoho's own `code` (`INVALID_TOKEN`, `TOO_MANY_REQUESTS`…) or the accounts server's `error`, when it sent one. */
  readonly zohoCode: string | undefined;
  /** The HTTP status of Zoho's answer; undefined when none arrived (network, timeout). */
  readonly httpStatus: number | undefined;
  /** Seconds Zoho asked us to wait (`Retry-After`), when it said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      retryable: boolean;
      zohoCode?: string | undefined;
      httpStatus?: number | undefined;
      retryAfterSeconds?: number | undefined;
      cause?: unknown;
    },
  ) {
    super(code, message, {
      retryable: options.retryable,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'ZohoError';
    this.zohoCode = options.zohoCode;
    this.httpStatus = options.httpStatus;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The record a caller needed is gone from Zoho (deleted, or never existed): permanent. */
  static recordNotFound(module: string, id: string): ZohoError {
    return new ZohoError(
      'zoho.record_not_found',
      `Zoho has no ${module} record ${id} (deleted, or never existed)`,
      { retryable: false, httpStatus: 204 },
    );
  }
}

/** Error codes of failures that only mean Zoho could not be reached or asked us to slow down. */
export const ZOHO_TRANSIENT_CODES: readonly string[] = [
  'zoho.unreachable',
  'zoho.timeout',
  'zoho.server_error',
  'zoho.rate_limited',
  'zoho.token_rate_limited',
  'zoho.token_limit_reached',
  'zoho.token_unavailable',
];
