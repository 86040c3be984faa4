import { isIP } from 'node:net';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { MODULES } from './modules/index.js';

/**
 * Log paths that may carry secrets or personal data (STYLE.md): never written, whatever the level.
 * Domain code logs ids and codes only; this list is the safety net for anything that slips through.
 * Built when a logger is created, not when this file is imported (the HTTP routes import it for redactUrl).
 */
function redactPaths(): string[] {
  return [
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
    '*.email',
    // Every module's personal fields, as Zoho names them and in lowercase (the mirror's column names).
    ...MODULES.flatMap((module) => module.fields)
      .filter((field) => field.personal)
      .flatMap((field) => [`*.${field.apiName}`, `*.${field.apiName.toLowerCase()}`]),
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
}

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
  'event_id',
]);

/** Words that follow `/events/` in mzi's own routes; anything else there may be pasted personal data. */
const EVENT_ROUTE_WORDS = new Set(['stats', 'health', 'retry', 'zoho']);

/** An event's reference in a path: its row number or its event id (a UUID). */
const EVENT_REF = /^(\d{1,15}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

let recordSections: Set<string> | undefined;

/** The records sections of the modules (`students`, `teachers`), read on first use, not on import. */
function isRecordSection(word: string): boolean {
  recordSections ??= new Set(MODULES.flatMap((module) => (module.records ? [module.records.section] : [])));
  return recordSections.has(word);
}

/**
 * Whether a path segment may name a person: what follows a module's records section such as `/students/` (an
 * email, a Student ID or a Zoho record id), what follows `/events/` unless it is an event reference or a route
 * word, and anything with an `@`.
 */
function isPersonalSegment(segment: string, previous: string | undefined): boolean {
  const decoded = safeDecode(segment);
  if (decoded.includes('@')) return true;
  const after = previous === undefined ? undefined : safeDecode(previous).toLowerCase();
  if (after !== undefined && isRecordSection(after)) return true;
  if (after === 'events') return !EVENT_ROUTE_WORDS.has(decoded.toLowerCase()) && !EVENT_REF.test(decoded);
  return false;
}

/** The path with every segment that may name a person replaced by `[redacted]`. */
function redactPath(path: string): string {
  const segments = path.split('/');
  let previous: string | undefined;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] as string;
    if (segment === '') continue;
    if (isPersonalSegment(segment, previous)) segments[i] = '[redacted]';
    previous = segment;
  }
  return segments.join('/');
}

/**
 * The URL as it may be logged: path segments that may name a person, and the value of every query parameter not
 * known to be harmless, replaced by `[redacted]`; the fragment is dropped.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  const hash = url.indexOf('#', Math.max(start, 0));
  const pathEnd = start >= 0 ? start : hash >= 0 ? hash : url.length;
  const path = redactPath(url.slice(0, pathEnd));
  if (start < 0) return path;
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
  return `${path}?${redacted}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const CENSOR = '[redacted]';

interface RedactionNode {
  /** The value at this path is replaced by CENSOR. */
  censor: boolean;
  children: Map<string, RedactionNode>;
  /** `*`: any key at this level. */
  any: RedactionNode | undefined;
}

/** `a.b`, `a["b-c"]`, `*.b` → their segments. */
function pathSegments(path: string): string[] {
  return [...path.matchAll(/[^.[\]]+|\["([^"]*)"\]/g)].map((match) => match[1] ?? match[0]);
}

function newNode(): RedactionNode {
  return { censor: false, children: new Map(), any: undefined };
}

/** Adds everything `from` censors to `into` (a key matched by name also gets the rules of `*`). */
function mergeInto(into: RedactionNode, from: RedactionNode): void {
  into.censor ||= from.censor;
  for (const [key, child] of from.children) {
    const target = into.children.get(key) ?? newNode();
    into.children.set(key, target);
    mergeInto(target, child);
  }
  if (from.any) {
    into.any ??= newNode();
    mergeInto(into.any, from.any);
  }
}

function resolveWildcards(node: RedactionNode): void {
  if (node.any) {
    for (const child of node.children.values()) mergeInto(child, node.any);
    resolveWildcards(node.any);
  }
  for (const child of node.children.values()) resolveWildcards(child);
}

/**
 * A copy that keeps the prototype and every own property (an Error stays an Error for the err serializer). An
 * error's `stack` is read, not copied: from Node.js 22 on it is an accessor that answers only on the error
 * itself, so a copied accessor would give the copy no stack.
 */
function copyOf(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return [...value] as unknown as Record<string, unknown>;
  const copy = Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value)) as Record<
    string,
    unknown
  >;
  if (value instanceof Error) {
    Object.defineProperty(copy, 'stack', { value: value.stack, writable: true, configurable: true });
  }
  return copy;
}

function applyRedaction(value: unknown, node: RedactionNode): unknown {
  if (value === null || typeof value !== 'object') return value;
  let out: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const rule = node.children.get(key) ?? node.any;
    if (!rule) continue;
    const next = rule.censor ? CENSOR : applyRedaction(source[key], rule);
    if (next === source[key]) continue;
    out ??= copyOf(source);
    out[key] = next;
  }
  return out ?? value;
}

/**
 * Compiles redaction paths (pino's syntax: `a.b`, `a["b-c"]`, `*` for any key) into a function that returns the
 * value with those paths censored, copying only what it changes. Written here instead of pino's `redact` option,
 * whose wildcard paths run every logged value through a generic redactor, many times the cost of a log line
 * (docs/PERFORMANCE.md#log-redaction-compiled-by-mzi); the webhook logs a line per delivery.
 */
export function compileRedaction(paths: readonly string[]): (value: unknown) => unknown {
  const root = newNode();
  for (const path of paths) {
    let node = root;
    for (const segment of pathSegments(path)) {
      let next: RedactionNode;
      if (segment === '*') {
        node.any ??= newNode();
        next = node.any;
      } else {
        next = node.children.get(segment) ?? newNode();
        node.children.set(segment, next);
      }
      node = next;
    }
    node.censor = true;
  }
  resolveWildcards(root);
  return (value) => applyRedaction(value, root);
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
  const redact = compileRedaction(redactPaths());
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: { service: 'mzi' },
    // What each line logs, and what each child logger binds (below), goes through `redact`.
    formatters: { log: (object) => redact(object) as Record<string, unknown> },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url === undefined ? undefined : redactUrl(req.url),
        // Behind a proxy the address comes from X-Forwarded-For, which a misconfigured proxy passes on as the
        // client wrote it.
        remoteAddress: req.ip === undefined || isIP(req.ip) ? req.ip : '[not an address]',
      }),
      err: pino.stdSerializers.err,
    },
  };
  const logger = pretty
    ? pino({
        ...options,
        transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service' } },
      })
    : config.destination
      ? pino(options, config.destination)
      : pino(options);
  return withRedactedBindings(logger, redact);
}

/**
 * Child loggers (Fastify's per request, the worker's per event) inherit `child` from the root through their
 * prototype, so redacting the bindings here covers every generation.
 */
function withRedactedBindings(logger: Logger, redact: (value: unknown) => unknown): Logger {
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, options) {
    return child.call(this, redact(bindings) as typeof bindings, options);
  } as typeof logger.child;
  return logger;
}
