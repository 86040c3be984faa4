import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Log paths that may carry secrets or personal data (STYLE.md): never written, whatever the level.
 * Domain code logs ids and codes only; this list is the safety net for anything that slips through.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-zoho-signature"]',
  'req.headers["x-webhook-token"]',
  'req.headers["x-admin-token"]',
  'headers.authorization',
  'headers["x-zoho-signature"]',
  'headers["x-webhook-token"]',
  'wstoken',
  '*.wstoken',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'body',
  'rawBody',
  'raw_body',
  'payload',
  'data',
  '*.data',
  '*.Academic_Email',
  '*.academic_email',
  '*.email',
  '*.Phone',
  '*.phone',
  '*.Name',
  '*.name',
  '*.Date_of_Birth',
  '*.date_of_birth',
  '*.Address',
  '*.address',
  'error_message',
  '*.error_message',
  // Database errors describe the offending row: PostgreSQL's `detail` reads "Key (academic_email)=(…) already
  // exists", and `where`/`internalQuery` can quote values. The message and code stay.
  'err.detail',
  'err.where',
  'err.internalQuery',
  '*.err.detail',
  '*.err.where',
  '*.err.internalQuery',
];

/**
 * Query parameters whose values may be logged. Everything else is `[redacted]`: tokens, but also whatever an
 * operator configures Zoho to append to the URL (a webhook can carry any record field as a URL parameter) and
 * searches typed into the dashboard (an email address, a name).
 */
const LOGGABLE_QUERY_KEYS = new Set([
  'operation',
  'module',
  'status',
  'limit',
  'offset',
  'page',
  'format',
  'sort',
  'order',
  'before',
  'after',
  'record',
  'record_id',
  'event_id',
]);

/** The URL with the value of every query parameter not known to be harmless replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const hash = url.indexOf('#', start);
  const query = url.slice(start + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const eq = pair.indexOf('=');
      if (eq < 0) return '[redacted]';
      const name = pair.slice(0, eq);
      return LOGGABLE_QUERY_KEYS.has(safeDecode(name).toLowerCase()) ? pair : `${name}=[redacted]`;
    })
    .join('&');
  return `${url.slice(0, start)}?${redacted}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

export interface LoggerConfig {
  level: LoggerOptions['level'];
  /** Human-readable output; default: when stdout is a terminal. */
  pretty?: boolean;
  destination?: pino.DestinationStream;
}

/** The root logger: JSON lines, redacted; pretty only on a TTY. */
export function createLogger(config: LoggerConfig): Logger {
  const pretty = config.pretty ?? (process.stdout.isTTY === true && config.destination === undefined);
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: { service: 'mzi' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url === undefined ? undefined : redactUrl(req.url),
        remoteAddress: req.ip,
      }),
      err: pino.stdSerializers.err,
    },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service' } },
    });
  }
  return config.destination ? pino(options, config.destination) : pino(options);
}
