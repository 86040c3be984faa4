import { InvalidParameter } from './errors.js';
import { type PhpValue, printR } from './php-form.js';

/**
 * Parameter descriptions and their validation, as core_external\external_api::validate_parameters does it:
 * unknown keys and values that cleaning would change are rejected with `invalidparameter`.
 */

export type ParamType =
  | 'int'
  | 'bool'
  | 'raw'
  | 'raw_trimmed'
  | 'notags'
  | 'text'
  | 'alpha'
  | 'alphanumext'
  | 'safedir'
  | 'username'
  | 'auth'
  | 'plugin'
  | 'lang'
  | 'timezone';

type Presence = 'required' | 'optional' | { default: unknown };

export type Desc =
  | { kind: 'value'; type: ParamType; presence: Presence }
  | { kind: 'single'; keys: Record<string, Desc>; presence: Presence }
  | { kind: 'multiple'; content: Desc; presence: Presence };

/** What cleaning needs to know about the site. */
export interface CleanContext {
  authPlugins: readonly string[];
}

export const INSTALLED_LANGS = ['en'];

export const value = (type: ParamType, presence: Presence = 'required'): Desc => ({
  kind: 'value',
  type,
  presence,
});
export const single = (keys: Record<string, Desc>, presence: Presence = 'required'): Desc => ({
  kind: 'single',
  keys,
  presence,
});
export const multiple = (content: Desc, presence: Presence = 'required'): Desc => ({
  kind: 'multiple',
  content,
  presence,
});

/** Validated parameters: single → object, multiple → array, int → number, bool → boolean, else string. */
export type Clean = Record<string, unknown>;

export function validate(desc: Desc, input: PhpValue, context: CleanContext): unknown {
  if (desc.kind === 'value') {
    if (typeof input !== 'string')
      throw new InvalidParameter('Scalar type expected, array or object received.');
    // PARAM_BOOL is special-cased to exactly 0/1: "true"/"false" are rejected (#41, #42).
    if (desc.type === 'bool' && (input === '0' || input === '1')) return input === '1';
    const cleaned = cleanParam(input, desc.type, context);
    if (cleaned !== input) {
      throw new InvalidParameter(
        `Invalid external api parameter: the value is "${input}", the server was expecting "${desc.type}" type`,
      );
    }
    return desc.type === 'int' ? Number(cleaned) : cleaned;
  }
  if (!(input instanceof Map)) {
    throw new InvalidParameter(`Only arrays accepted. The bad value is: '${printR(input)}'`);
  }
  if (desc.kind === 'multiple') {
    return [...input.values()].map((item) => validate(desc.content, item, context));
  }
  const result: Clean = {};
  const rest = new Map(input);
  for (const [key, sub] of Object.entries(desc.keys)) {
    const given = rest.get(key);
    rest.delete(key);
    if (given === undefined) {
      if (sub.presence === 'required') {
        throw new InvalidParameter(`Missing required key in single structure: ${key}`);
      }
      if (typeof sub.presence === 'object') result[key] = sub.presence.default;
      continue;
    }
    try {
      result[key] = validate(sub, given, context);
    } catch (error) {
      if (error instanceof InvalidParameter) {
        throw new InvalidParameter(`${key} => Invalid parameter value detected: ${error.debuginfo}`);
      }
      throw error;
    }
  }
  if (rest.size > 0) {
    throw new InvalidParameter(
      `Unexpected keys (${[...rest.keys()].join(', ')}) detected in parameter array.`,
    );
  }
  return result;
}

/** Moodle's clean_param for the types used here; validation fails when cleaning changes the value. */
export function cleanParam(input: string, type: ParamType, context: CleanContext): string {
  switch (type) {
    case 'int':
      return String(phpIntval(input));
    case 'bool':
      return input === '' || input === '0' || input.toLowerCase() === 'false' || input === 'off' ? '0' : '1';
    case 'raw':
      return input;
    case 'raw_trimmed':
      return input.trim();
    case 'notags':
    case 'text':
      return input.replace(/<[^>]*>?/g, '');
    case 'alpha':
      return input.replace(/[^a-zA-Z]/g, '');
    case 'alphanumext':
    case 'safedir':
      return input.replace(/[^a-zA-Z0-9_-]/g, '');
    case 'username':
      return cleanUsername(input);
    case 'plugin':
      return isPluginName(input) ? input : '';
    case 'auth':
      return isPluginName(input) && context.authPlugins.includes(input) ? input : '';
    case 'lang':
      return INSTALLED_LANGS.includes(input) ? input : '';
    case 'timezone':
      return /^(([+-]?(0?[0-9](\.[5|0])?|1[0-3](\.0)?|1[0-2]\.5))|(99)|[A-Za-z0-9]+(\/?[A-Za-z_-])+)$/.test(
        input,
      )
        ? input
        : '';
  }
}

/** PARAM_USERNAME with `extendedusernamechars` off: trimmed, lowercased, only `[-.@_a-z0-9]` kept (#27, #28). */
export function cleanUsername(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/[^-.@_a-z0-9]/g, '');
}

/** PARAM_SEQUENCE: digits and commas only. */
export function cleanSequence(input: string): string {
  return input.replace(/[^0-9,]/g, '');
}

export function isPluginName(input: string): boolean {
  return /^[a-z](?:[a-z0-9_]*[a-z0-9])?$/.test(input) && !input.includes('__');
}

/** PHP `(int)` of a string: leading integer, else 0. */
export function phpIntval(input: string): number {
  const match = /^\s*([+-]?\d+)/.exec(input);
  return match?.[1] ? Number.parseInt(match[1], 10) || 0 : 0;
}

/** PHP `empty()` of a string. */
export function phpEmpty(text: string): boolean {
  return text === '' || text === '0';
}
