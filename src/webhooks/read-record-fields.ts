import { AppError } from '../errors.js';
import type { ModuleField, RecordData, ZohoModule } from '../modules/zoho-module.js';
import { readLookup } from './read-lookup.js';
import { exactNumberText, isUnresolvedPlaceholder, rejectUnstorable } from './text-checks.js';

/** Keys of a delivery that describe it rather than the record: never read as fields. */
const META_KEYS = new Set([
  'notification_id',
  'delivery_id',
  'timestamp',
  'module',
  'operation',
  'record_id',
  'id',
  'token',
  'data',
]);

export interface RecordFieldsInput {
  /** The module whose fields are kept. */
  module: Pick<ZohoModule, 'zohoApiName' | 'fields'>;
  /** Objects to read fields from, in order (a later one wins); `skipMeta` leaves out the delivery's own keys. */
  sources: ReadonlyArray<{ from: Record<string, unknown>; skipMeta: boolean }>;
  maxFieldLength: number;
  /** Where warnings about ignored fields and unresolved placeholders go (never a value). */
  warnings: string[];
}

/**
 * The module's fields of a record, by API name: lookups as the related record's id, other fields as trimmed
 * text (empty: null). Keys that are no field of the module are ignored with one warning naming them. Throws a
 * 400 AppError for a value no field may hold (over MAX_FIELD_LENGTH, a NUL character, an inexact id).
 */
export function readRecordFields(input: RecordFieldsInput): RecordData {
  const { warnings, maxFieldLength } = input;
  const data: RecordData = {};
  const ignored: string[] = [];
  const findField = fieldFinder(input.module.fields);
  for (const { from, skipMeta } of input.sources) {
    for (const key of Object.keys(from)) {
      if (skipMeta && META_KEYS.has(key)) continue;
      const { name, field } = fieldOfKey(key, findField);
      if (!field) {
        ignored.push(name.slice(0, 64));
        continue;
      }
      const value = field.lookup
        ? readLookup(from[key], field.apiName, warnings)
        : readField(from, key, field.apiName, { warnings, maxFieldLength });
      if (value !== undefined) data[field.apiName] = value;
    }
  }
  if (ignored.length > 0) {
    warnings.push(
      `Ignored fields that are not ${input.module.zohoApiName} fields mzi knows: ${ignored.slice(0, 20).join(', ')}.`,
    );
  }
  return data;
}

const FINDERS = new WeakMap<readonly ModuleField[], (name: string) => ModuleField | undefined>();

/** Finds a module's field by its API name, ignoring case (`academic_email` works too). */
export function fieldFinder(fields: readonly ModuleField[]): (name: string) => ModuleField | undefined {
  let find = FINDERS.get(fields);
  if (!find) {
    const byLowerName = new Map(fields.map((field) => [field.apiName.toLowerCase(), field]));
    find = (name) => byLowerName.get(name.toLowerCase());
    FINDERS.set(fields, find);
  }
  return find;
}

/**
 * The field a body key names: its API name in any case, or `data[Field]` as forms nest it; for a lookup field
 * also the id part Zoho's notation may add, `Field.id` or `data[Field][id]`.
 */
function fieldOfKey(
  key: string,
  findField: (name: string) => ModuleField | undefined,
): { name: string; field: ModuleField | undefined } {
  const nested = /^data\[([^\]]+)\](\[id\])?$/i.exec(key);
  const name = nested?.[1] ?? key;
  if (!nested?.[2]) {
    const field = findField(name);
    if (field || !/\.id$/i.test(name)) return { name, field };
  }
  const lookup = findField(nested?.[2] ? name : name.slice(0, -'.id'.length));
  return { name: nested?.[2] ? `${name}[id]` : name, field: lookup?.lookup ? lookup : undefined };
}

/**
 * A key that describes the delivery (record id, operation, delivery id) as text: a number as its exact digits,
 * an unresolved placeholder or empty text as absent (placeholders with a warning).
 */
export function readText(from: Record<string, unknown>, key: string, warnings: string[]): string | undefined {
  if (!Object.hasOwn(from, key)) return undefined;
  const value = from[key];
  if (typeof value === 'number' && Number.isFinite(value)) return exactNumberText(value, key);
  if (typeof value !== 'string') return undefined;
  rejectUnstorable(value, `"${key}"`);
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (isUnresolvedPlaceholder(trimmed)) {
    warnings.push(
      `"${key}" arrived as an unresolved Zoho placeholder and was ignored: ${trimmed.slice(0, 80)}`,
    );
    return undefined;
  }
  return trimmed;
}

function readField(
  from: Record<string, unknown>,
  key: string,
  apiName: string,
  options: { warnings: string[]; maxFieldLength: number },
): string | null | undefined {
  const { warnings, maxFieldLength } = options;
  const value = from[key];
  if (value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') {
    warnings.push(
      `Field ${apiName} was ignored: expected text, got ${Array.isArray(value) ? 'an array' : typeof value}.`,
    );
    return undefined;
  }
  rejectUnstorable(value, `Field ${apiName}`);
  const trimmed = value.trim();
  if (isUnresolvedPlaceholder(trimmed)) {
    // Never echo the value: a half-resolved template may hold personal data.
    warnings.push(
      `Field ${apiName} arrived as an unresolved Zoho placeholder and was ignored; check its merge field in the Zoho webhook.`,
    );
    return undefined;
  }
  if (trimmed.length > maxFieldLength) {
    throw new AppError(
      'field_too_long',
      `Field ${apiName} is ${trimmed.length} characters long; at most ${maxFieldLength} are accepted (MAX_FIELD_LENGTH).`,
      { status: 400, details: { setting: 'MAX_FIELD_LENGTH', limit: maxFieldLength } },
    );
  }
  return trimmed === '' ? null : trimmed;
}
