import { AppError } from '../errors.js';
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from './intake-limits.js';
import { parseJsonExact } from './parse-json-exact.js';

export type BodyFormat = 'json' | 'form';

export interface ParsedBody {
  format: BodyFormat;
  /** Top-level keys of the JSON object, or the form parameters (last value wins for repeated keys). */
  fields: Record<string, unknown>;
  /** Names of form keys that were sent more than once. */
  repeatedKeys: string[];
}

export const SUPPORTED_CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
];

/**
 * Turns a raw webhook body into fields, by content type: JSON (the original system's custom body or a raw
 * Zoho JSON template) or form data (Zoho's `form_data` body type). Throws a 4xx AppError for anything else,
 * including a body beyond `limits` (too many fields, nested too deep).
 */
export function parseZohoBody(
  rawBody: Buffer,
  contentType: string | undefined,
  limits: Pick<IntakeLimits, 'maxFields' | 'maxJsonDepth'> = DEFAULT_INTAKE_LIMITS,
): ParsedBody {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = decodeUtf8(rawBody);
  if (text.includes('\u0000')) {
    // PostgreSQL cannot store U+0000 in text, and no Zoho field holds it: refuse it rather than fail to store.
    throw new AppError(
      'invalid_character',
      'The request body contains a NUL character (U+0000), which no Zoho record holds.',
      { status: 400 },
    );
  }
  if (text.trim() === '') {
    throw new AppError(
      'empty_body',
      'The request body is empty: send the Zoho record as JSON or form data.',
      {
        status: 400,
      },
    );
  }
  if (mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json')) {
    return parseJson(text, limits);
  }
  if (mediaType === 'application/x-www-form-urlencoded') return parseForm(text, limits);
  // Zoho's raw "Text" body and senders that omit the content type: sniff JSON, else form data.
  if (mediaType === 'text/plain' || mediaType === '') {
    return text.trimStart().startsWith('{') || text.trimStart().startsWith('[')
      ? parseJson(text, limits)
      : parseForm(text, limits);
  }
  throw new AppError(
    'unsupported_media_type',
    `Content-Type "${mediaType.slice(0, 100)}" is not supported: send application/json or application/x-www-form-urlencoded.`,
    { status: 415 },
  );
}

function decodeUtf8(rawBody: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
  } catch {
    throw new AppError('invalid_encoding', 'The request body is not valid UTF-8 text.', { status: 400 });
  }
}

function parseJson(text: string, limits: Pick<IntakeLimits, 'maxFields' | 'maxJsonDepth'>): ParsedBody {
  const { longDigitRun } = scanJson(text, limits.maxJsonDepth);
  let value: unknown;
  try {
    // Only an integer of 16 or more digits can lie beyond 2^53; the slower exact parser reads only such bodies.
    value = longDigitRun ? parseJsonExact(text) : JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message.slice(0, 200)})` : '';
    throw new AppError('invalid_json', `The request body is not valid JSON${detail}.`, { status: 400 });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new AppError(
      'body_not_object',
      `The JSON body must be an object with the record's fields, got ${kind}.`,
      { status: 400 },
    );
  }
  const fields = value as Record<string, unknown>;
  checkFieldCount(Object.keys(fields).length, 'The JSON body', limits.maxFields);
  const data = fields.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    checkFieldCount(Object.keys(data).length, 'Its "data" object', limits.maxFields);
  }
  return { format: 'json', fields, repeatedKeys: [] };
}

function parseForm(text: string, limits: Pick<IntakeLimits, 'maxFields'>): ParsedBody {
  const params = new URLSearchParams(text);
  // Every parameter counts, repeated or not: each one is work.
  checkFieldCount(params.size, 'The form', limits.maxFields);
  const fields: Record<string, unknown> = Object.create(null);
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const [key, value] of params) {
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
    fields[key] = value;
  }
  if (seen.size === 0) {
    throw new AppError('invalid_form', 'The form body holds no parameters.', { status: 400 });
  }
  return { format: 'form', fields, repeatedKeys: [...repeated] };
}

function checkFieldCount(count: number, what: string, maxFields: number): void {
  if (count <= maxFields) return;
  throw new AppError(
    'too_many_fields',
    `${what} has ${count} fields; at most ${maxFields} are accepted (MAX_FIELDS). A Zoho record has a few dozen.`,
    { status: 400, details: { setting: 'MAX_FIELDS', limit: maxFields } },
  );
}

/** Fewer digits than Number.MAX_SAFE_INTEGER has: any integer this short is exact as a Number. */
const EXACT_INTEGER_MAX_DIGITS = String(Number.MAX_SAFE_INTEGER).length - 1;

/**
 * Refuses JSON nested deeper than `maxDepth` before parsing it: one pass over the text, outside strings, so a
 * body of a million `[` costs a scan, not a parse into a million arrays. The same pass notes whether a run of
 * digits outside strings is long enough that JSON.parse could round it.
 */
function scanJson(text: string, maxDepth: number): { longDigitRun: boolean } {
  let depth = 0;
  let inString = false;
  let digits = 0;
  let longDigitRun = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i += 1;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c >= 0x30 /* 0 */ && c <= 0x39 /* 9 */) {
      digits += 1;
      if (digits > EXACT_INTEGER_MAX_DIGITS) longDigitRun = true;
      continue;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth += 1;
      if (depth > maxDepth) {
        throw new AppError(
          'json_too_deep',
          `The JSON body is nested more than ${maxDepth} levels deep (MAX_JSON_DEPTH); a Zoho record is 2 levels deep.`,
          { status: 400, details: { setting: 'MAX_JSON_DEPTH', limit: maxDepth } },
        );
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth -= 1;
    }
    digits = 0;
  }
  return { longDigitRun };
}
