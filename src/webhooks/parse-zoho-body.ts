import { AppError } from '../errors.js';

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
 * Zoho JSON template) or form data (Zoho's `form_data` body type). Throws a 4xx AppError for anything else.
 */
export function parseZohoBody(rawBody: Buffer, contentType: string | undefined): ParsedBody {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = decodeUtf8(rawBody);
  if (text.trim() === '') {
    throw new AppError(
      'empty_body',
      'The request body is empty: send the student record as JSON or form data.',
      {
        status: 400,
      },
    );
  }
  if (mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json')) {
    return parseJson(text);
  }
  if (mediaType === 'application/x-www-form-urlencoded') return parseForm(text);
  // Zoho's raw "Text" body and senders that omit the content type: sniff JSON, else form data.
  if (mediaType === 'text/plain' || mediaType === '') {
    return text.trimStart().startsWith('{') || text.trimStart().startsWith('[')
      ? parseJson(text)
      : parseForm(text);
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

function parseJson(text: string): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
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
  return { format: 'json', fields: value as Record<string, unknown>, repeatedKeys: [] };
}

function parseForm(text: string): ParsedBody {
  const params = new URLSearchParams(text);
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
