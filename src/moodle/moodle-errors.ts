import { ProcessingError } from '../event-log/processing-error.js';
import { missingCapabilityAdvice } from './missing-capability-advice.js';

/**
 * Any failure talking to Moodle. A ProcessingError, so the worker's `shouldRetry` reads `retryable` and an
 * event's `error_message` is the message. Messages never contain the web-service token.
 */
export class MoodleError extends ProcessingError {
  /** The web-service function that was called, when known. */
  readonly wsfunction: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { retryable: boolean; wsfunction?: string | undefined; cause?: unknown },
  ) {
    super(code, message, {
      retryable: options.retryable,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'MoodleError';
    this.wsfunction = options.wsfunction;
  }
}

export type MoodleTransportReason = 'network' | 'timeout' | 'http_status' | 'bad_response';

const TRANSPORT_CODES: Record<MoodleTransportReason, string> = {
  network: 'moodle.unreachable',
  timeout: 'moodle.timeout',
  http_status: 'moodle.http_error',
  bad_response: 'moodle.bad_response',
};

/** Error codes of events that failed only because Moodle could not be reached. */
export const MOODLE_TRANSPORT_CODES: readonly string[] = Object.values(TRANSPORT_CODES);

/**
 * Moodle could not be reached or did not answer like a web service: network error, timeout, HTTP non-2xx,
 * or a body that is not JSON (a maintenance or proxy error page). Always retryable: none of these says the
 * request itself was wrong.
 */
export class MoodleTransportError extends MoodleError {
  readonly reason: MoodleTransportReason;
  /** The HTTP status, when a response arrived. */
  readonly httpStatus: number | undefined;

  constructor(options: {
    reason: MoodleTransportReason;
    wsfunction: string;
    /** Short human detail, e.g. "ECONNREFUSED" or "HTTP 503 Service Unavailable". Must not contain the token. */
    detail: string;
    httpStatus?: number | undefined;
    cause?: unknown;
  }) {
    super(
      TRANSPORT_CODES[options.reason],
      `Moodle unavailable for ${options.wsfunction}: ${options.detail}`,
      {
        retryable: true,
        wsfunction: options.wsfunction,
        cause: options.cause,
      },
    );
    this.name = 'MoodleTransportError';
    this.reason = options.reason;
    this.httpStatus = options.httpStatus;
  }
}

/**
 * Codes that may pass without anyone changing data or configuration. Kept apart so the list is easy to audit.
 * None of these appears in the recorded transcripts; they are Moodle's own names for an unavailable site or
 * database (lang/en/error.php, lib/dml).
 */
const TRANSIENT_ERRORCODES = new Set([
  'sitemaintenance', // maintenance mode switched on by an admin or by an upgrade
  'upgraderunning',
  'servicenotavailable',
  'dbconnectionfailed',
  'dmlreadexception', // lost connection or lock timeout while reading
  'dmltransactionexception',
  // A write failure is usually a deadlock or a unique-key race with a concurrent create. Retrying is how we
  // recover: the next attempt looks the user up first and finds the row the other request wrote.
  'dmlwriteexception',
  'locktimeout',
  'cannotgetlock',
]);

/**
 * Whether a Moodle `exception` body may succeed if the same request is sent again later. Ordered; the first
 * rule that matches decides.
 */
export function shouldRetryMoodleException(errorcode: string): boolean {
  // 1. Bad or missing token, or the function is not in the token's service: configuration, not data.
  //    Permanent per event, because every event would fail the same way and retrying them all on a schedule
  //    only hammers Moodle; once an admin fixes the token or service, operators replay the failed events
  //    with `mzi events retry --failed`.
  if (errorcode === 'invalidtoken' || errorcode === 'accessexception') return false;
  // 2. Validation and missing records: with debugging off every validation problem is `invalidparameter`
  //    (DESIGN.md §5); a missing record is `invalidrecordunknown` (debug off) or `invalidrecord`/`invaliduser`
  //    (debug on). Sending the same data again gives the same answer.
  if (
    errorcode === 'invalidparameter' ||
    errorcode === 'invalidrecord' ||
    errorcode === 'invalidrecordunknown' ||
    errorcode === 'invaliduser'
  ) {
    return false;
  }
  // 3. A programming error on our side (wrong field name, unsupported parameter): fix the code, not the data.
  if (errorcode === 'codingerror') return false;
  // 4. The site or its database is temporarily unavailable.
  if (TRANSIENT_ERRORCODES.has(errorcode)) return true;
  // 5. Anything else (password policy, capability checks, unknown codes) needs a person: do not retry.
  return false;
}

/**
 * Moodle answered HTTP 200 with a top-level `{"exception", "errorcode", "message"}` object: the call was
 * refused as a whole (no partial effect for the functions mzi uses).
 */
export class MoodleException extends MoodleError {
  /** Moodle's exception class, e.g. `core\exception\invalid_parameter_exception`. */
  readonly exception: string;
  readonly errorcode: string;
  readonly moodleMessage: string;
  /** Only present when the site has debugging on; carries the real reason of an `invalidparameter`. */
  readonly debuginfo: string | undefined;

  constructor(options: {
    wsfunction: string;
    exception: string;
    errorcode: string;
    message: string;
    debuginfo?: string | undefined;
  }) {
    const { wsfunction, exception, errorcode, message, debuginfo } = options;
    // The password policy puts its HTML message in `errorcode` and repeats it as `error/<errorcode>` in
    // `message` (transcript #33): say it once.
    const reason = isIdentifier(errorcode)
      ? `${errorcode}: ${readable(message)}`
      : readable(message.endsWith(errorcode) ? errorcode : `${errorcode}: ${message}`);
    const rejected = `Moodle rejected ${wsfunction}: ${reason}`;
    const detail = debuginfo ? `${rejected} (${readable(debuginfo)})` : rejected;
    const advice = missingCapabilityAdvice(wsfunction, errorcode);
    super(`moodle.${codeSuffix(errorcode)}`, advice ? `${detail} ${advice}` : detail, {
      retryable: shouldRetryMoodleException(errorcode),
      wsfunction,
    });
    this.name = 'MoodleException';
    this.exception = exception;
    this.errorcode = errorcode;
    this.moodleMessage = message;
    this.debuginfo = debuginfo;
  }
}

/** One entry of a `warnings` array, as Moodle returns it (`item` and `itemid` are not always set). */
export interface MoodleWarning {
  item?: string;
  itemid?: number;
  warningcode: string;
  message: string;
}

/**
 * A per-user warning from `core_user_update_users` (`invaliduserid`, `useremailduplicate`,
 * `usernotupdateddeleted`): Moodle answers 200 but did not update that user. Permanent: the data must change.
 */
export class MoodleWarningError extends MoodleError {
  readonly warning: MoodleWarning;

  constructor(options: { wsfunction: string; warning: MoodleWarning }) {
    const { wsfunction, warning } = options;
    const item = warning.itemid === undefined ? '' : ` for ${warning.item ?? 'item'} ${warning.itemid}`;
    super(
      `moodle.${codeSuffix(warning.warningcode)}`,
      [
        `Moodle did not apply ${wsfunction}${item}: ${warning.warningcode}: ${readable(warning.message)}`,
        missingCapabilityAdvice(wsfunction, warning.warningcode),
      ]
        .filter(Boolean)
        .join(' '),
      { retryable: false, wsfunction },
    );
    this.name = 'MoodleWarningError';
    this.warning = warning;
  }
}

/**
 * Moodle's error codes are identifiers, except the password policy which puts its HTML message in
 * `errorcode` (transcript #33). Keep `code` a stable identifier either way.
 */
function codeSuffix(errorcode: string): string {
  return isIdentifier(errorcode) ? errorcode : 'exception';
}

function isIdentifier(errorcode: string): boolean {
  return /^[a-z0-9_]+$/i.test(errorcode);
}

/** Flattens Moodle's HTML fragments (`<div>…</div><div>…</div>`) into one line for an event's error_message. */
function readable(text: string): string {
  if (!text.includes('<')) return text;
  return text
    .replace(/<\/(div|p|li)>\s*<(div|p|li)>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
