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
];

/** Query parameters never written to logs. */
const SECRET_QUERY_KEYS = /([?&](?:token|wstoken|secret|signature)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_KEYS, '$1[redacted]');
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
