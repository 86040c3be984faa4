import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import type { ModuleField, RecordData, ZohoModule } from '../modules/zoho-module.js';
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from './intake-limits.js';
import { normalizeOperation, type Operation } from './normalize-operation.js';
import type { ParsedBody } from './parse-zoho-body.js';
import { readLookup } from './read-lookup.js';
import {
  exactNumberText,
  isUnresolvedPlaceholder,
  RECORD_ID_PATTERN,
  rejectUnstorable,
} from './text-checks.js';

/** Where the operation came from: the URL (Zoho's fixed custom parameter), the body, or inferred by mzi. */
export type OperationSource = 'query' | 'body' | 'inferred';

export interface NormalizedDelivery {
  module: string;
  recordId: string;
  /** Explicit operation, when the sender gave a valid one. */
  operation: Operation | undefined;
  operationSource: Exclude<OperationSource, 'inferred'> | undefined;
  /** An explicit value that is not an operation we know (the event will fail, naming it). */
  invalidOperation: string | undefined;
  data: RecordData;
  /** A resolved delivery id usable as a dedup key. */
  deliveryId: string | undefined;
  warnings: string[];
  format: ParsedBody['format'];
}

export interface NormalizeInput {
  body: ParsedBody;
  /** The module the delivery was sent to: its Zoho API name and the fields it keeps. */
  module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields'>;
  /** `operation` from the query string. */
  queryOperation: string | undefined;
  /** A delivery-id header (`webhook-id`, `x-zoho-delivery-id`) when the sender set one. */
  deliveryIdHeader: string | undefined;
  /** Default: DEFAULT_INTAKE_LIMITS; the service passes its configured limits. */
  limits?: Pick<IntakeLimits, 'maxFieldLength'>;
}

const META_KEYS = new Set([
  'notification_id',
  'timestamp',
  'module',
  'operation',
  'record_id',
  'id',
  'token',
  'data',
]);

/**
 * Reads a parsed Zoho body into one shape, whatever the body type: record id, operation, the module's fields.
 * Unresolved placeholders count as absent and become warnings; nothing unresolved is ever used as a key.
 */
export function normalizeDelivery(input: NormalizeInput): NormalizedDelivery {
  const warnings: string[] = [];
  const { maxFieldLength } = input.limits ?? DEFAULT_INTAKE_LIMITS;
  const fields = input.body.fields;
  const text = (key: string, from: Record<string, unknown> = fields): string | undefined =>
    readText(from, key, warnings);

  if (input.body.repeatedKeys.length > 0) {
    warnings.push(
      `Form parameters sent more than once (the last value was used): ${input.body.repeatedKeys.join(', ')}.`,
    );
  }

  const nested = fields.data;
  const dataSource: Record<string, unknown> =
    nested !== null && typeof nested === 'object' && !Array.isArray(nested)
      ? (nested as Record<string, unknown>)
      : {};

  const recordId = text('record_id') ?? text('id') ?? text('id', dataSource);
  if (recordId === undefined) {
    if (Object.hasOwn(fields, 'channel_id') && Object.hasOwn(fields, 'ids')) {
      throw new AppError(
        'notification_not_supported',
        `This looks like a Zoho Notifications API callback, which carries no record data; configure a workflow webhook instead (see \`mzi zoho-setup ${input.module.name}\`).`,
        { status: 400 },
      );
    }
    throw new AppError(
      'missing_record_id',
      `The body has no record id: send the Zoho record id as "record_id" (JSON) or "id" (form data), e.g. id=\${!${input.module.zohoApiName}.id}.`,
      { status: 400 },
    );
  }
  if (!RECORD_ID_PATTERN.test(recordId)) {
    throw new AppError(
      'invalid_record_id',
      'The record id must be 1 to 128 letters, digits, or the characters _ . : - (Zoho record ids are digits).',
      { status: 400 },
    );
  }

  const moduleName = input.module.zohoApiName;
  const bodyModule = text('module');
  if (bodyModule !== undefined && bodyModule !== moduleName) {
    warnings.push(
      `The body names module "${bodyModule.slice(0, 64)}" but was sent to the ${moduleName} webhook; treated as ${moduleName}.`,
    );
  }

  let operation: Operation | undefined;
  let operationSource: NormalizedDelivery['operationSource'];
  let invalidOperation: string | undefined;
  const candidates: Array<[Exclude<OperationSource, 'inferred'>, string | undefined]> = [
    ['query', readQueryOperation(input.queryOperation, warnings)],
    ['body', text('operation')],
  ];
  for (const [source, raw] of candidates) {
    if (raw === undefined) continue;
    const normalized = normalizeOperation(raw);
    if (normalized === undefined) {
      invalidOperation = raw.slice(0, 64);
    } else {
      operation = normalized;
      invalidOperation = undefined;
    }
    operationSource = source;
    break;
  }

  const data: RecordData = {};
  const ignored: string[] = [];
  const findField = fieldFinder(input.module.fields);
  const collect = (from: Record<string, unknown>, skipMeta: boolean) => {
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
  };
  collect(fields, true);
  collect(dataSource, false);
  if (ignored.length > 0) {
    warnings.push(
      `Ignored fields that are not ${moduleName} fields mzi knows: ${ignored.slice(0, 20).join(', ')}.`,
    );
  }

  const deliveryId =
    input.deliveryIdHeader !== undefined && !isUnresolvedPlaceholder(input.deliveryIdHeader)
      ? input.deliveryIdHeader.slice(0, 255)
      : text('notification_id')?.slice(0, 255);

  return {
    module: moduleName,
    recordId,
    operation,
    operationSource,
    invalidOperation,
    data,
    deliveryId,
    warnings,
    format: input.body.format,
  };
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
 * Fingerprint of what a delivery says about a record: record, the operation as sent (not as inferred, so a
 * re-delivery hashes the same), and the field values. Delivery ids and timestamps are left out on purpose.
 */
export function contentHash(delivery: NormalizedDelivery): string {
  const entries = Object.entries(delivery.data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const operation = delivery.operation ?? delivery.invalidOperation ?? '';
  return createHash('sha256')
    .update(JSON.stringify([delivery.module, delivery.recordId, operation, entries]))
    .digest('hex');
}

function readQueryOperation(value: string | undefined, warnings: string[]): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  rejectUnstorable(value, 'The operation in the URL');
  if (isUnresolvedPlaceholder(value)) {
    warnings.push(
      'The operation in the URL is an unresolved Zoho placeholder; set a fixed value such as ?operation=update.',
    );
    return undefined;
  }
  return value.trim();
}

function readText(from: Record<string, unknown>, key: string, warnings: string[]): string | undefined {
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
