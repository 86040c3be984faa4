import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../errors.js';
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from './intake-limits.js';
import {
  checkBodyModule,
  checkRecordId,
  type NormalizedDelivery,
  type NormalizeInput,
  resolveDeliveryId,
} from './normalize-delivery.js';
import type { ParsedBody } from './parse-zoho-body.js';
import { readRecordFields, readText } from './read-record-fields.js';
import { type ResolvedOperation, resolveOperation } from './resolve-operation.js';
import { RECORD_ID_PATTERN } from './text-checks.js';

/** One record of an envelope: normalized, or refused with the reason (it does not sink the others). */
export type EnvelopeRecord =
  | { index: number; ok: true; delivery: NormalizedDelivery }
  | { index: number; ok: false; recordId: string | undefined; error: AppError };

export interface NormalizedEnvelope {
  /** The sender's delivery id (a delivery header, or the body's `notification_id` or `delivery_id`). */
  deliveryId: string | undefined;
  /** The envelope's id as each of its events stores it: the sender's, or a new one. */
  id: string;
  records: EnvelopeRecord[];
}

export interface EnvelopeInput extends Omit<NormalizeInput, 'limits'> {
  limits?: Pick<IntakeLimits, 'maxFieldLength' | 'maxFields' | 'maxRecordsPerDelivery'>;
  /** The id of an envelope the sender gave none (default: a new UUIDv7). */
  newDeliveryId?: () => string;
}

/** Top-level keys an envelope may carry besides its records; Zoho's API answers add `info` (paging). */
const ENVELOPE_KEYS = new Set([
  'data',
  'operation',
  'delivery_id',
  'notification_id',
  'module',
  'timestamp',
  'token',
  'info',
]);

/** Whether a body is Zoho's record envelope, `{"data": [ {record}, … ]}` (issue 18). */
export function isEnvelope(body: ParsedBody): boolean {
  return body.format === 'json' && Array.isArray(body.fields.data);
}

/**
 * Reads Zoho's record envelope, `{"data": [ {record}, … ]}`, as Deluge functions, Zoho Flow and the API post
 * it: each record (its `id`, its fields as in a flat JSON body) with the envelope's operation and delivery id.
 * A record that cannot be read is refused on its own; the envelope as a whole is refused (4xx AppError) only
 * when it holds no records, more than MAX_RECORDS_PER_DELIVERY, or an unreadable operation or delivery id.
 */
export function normalizeEnvelope(input: EnvelopeInput): NormalizedEnvelope {
  const limits = input.limits ?? DEFAULT_INTAKE_LIMITS;
  const fields = input.body.fields;
  const records = fields.data as unknown[];
  if (records.length === 0) {
    throw new AppError(
      'empty_envelope',
      'The body\'s "data" array holds no records: send each record as an object with its "id" and fields.',
      { status: 400 },
    );
  }
  if (records.length > limits.maxRecordsPerDelivery) {
    throw new AppError(
      'too_many_records',
      `The body's "data" array holds ${records.length} records; at most ${limits.maxRecordsPerDelivery} are accepted in one delivery (MAX_RECORDS_PER_DELIVERY): send them in smaller envelopes, or raise the setting.`,
      { status: 413, details: { setting: 'MAX_RECORDS_PER_DELIVERY', limit: limits.maxRecordsPerDelivery } },
    );
  }

  // What the envelope says is said of each record: its warnings go on every record's event.
  const shared: string[] = [];
  const moduleName = input.module.zohoApiName;
  checkBodyModule(readText(fields, 'module', shared), moduleName, shared);
  const operation = resolveOperation(input.queryOperation, readText(fields, 'operation', shared), shared);
  const deliveryId = resolveDeliveryId(input.deliveryIdHeader, fields, shared);
  const extra = Object.keys(fields).filter((key) => !ENVELOPE_KEYS.has(key));
  if (extra.length > 0) {
    shared.push(
      `Ignored top-level keys of the envelope (a record's fields go inside "data"): ${extra
        .slice(0, 20)
        .map((key) => key.slice(0, 64))
        .join(', ')}.`,
    );
  }
  const id = deliveryId ?? (input.newDeliveryId ?? uuidv7)();
  const context: RecordContext = {
    input,
    limits,
    operation,
    deliveryId,
    shared,
    envelopeId: id,
    size: records.length,
  };
  return { deliveryId, id, records: records.map((record, index) => readRecord(record, index, context)) };
}

interface RecordContext {
  input: EnvelopeInput;
  limits: Pick<IntakeLimits, 'maxFieldLength' | 'maxFields'>;
  operation: ResolvedOperation;
  deliveryId: string | undefined;
  shared: readonly string[];
  envelopeId: string;
  size: number;
}

function readRecord(record: unknown, index: number, context: RecordContext): EnvelopeRecord {
  try {
    return { index, ok: true, delivery: normalizeRecord(record, index, context) };
  } catch (error) {
    if (error instanceof AppError && error.status < 500)
      return { index, ok: false, recordId: knownRecordId(record), error };
    throw error;
  }
}

function normalizeRecord(record: unknown, index: number, context: RecordContext): NormalizedDelivery {
  const { input, limits } = context;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    const kind = record === null ? 'null' : Array.isArray(record) ? 'an array' : `a ${typeof record}`;
    throw new AppError(
      'record_not_object',
      `Record ${index} of "data" is ${kind}; each record must be an object with its "id" and fields.`,
      { status: 400 },
    );
  }
  const fields = record as Record<string, unknown>;
  const count = Object.keys(fields).length;
  if (count > limits.maxFields) {
    throw new AppError(
      'too_many_fields',
      `Record ${index} of "data" has ${count} fields; at most ${limits.maxFields} are accepted (MAX_FIELDS). A Zoho record has a few dozen.`,
      { status: 400, details: { setting: 'MAX_FIELDS', limit: limits.maxFields } },
    );
  }
  const warnings = [...context.shared];
  const recordId = readText(fields, 'id', warnings) ?? readText(fields, 'record_id', warnings);
  if (recordId === undefined) {
    throw new AppError(
      'missing_record_id',
      `Record ${index} of "data" has no record id: give each record its Zoho record id as "id", as Zoho's API does.`,
      { status: 400 },
    );
  }
  checkRecordId(recordId);
  if (Object.hasOwn(fields, 'operation')) {
    warnings.push(
      'The record\'s own "operation" was ignored: an envelope\'s operation is ?operation= or its top-level "operation".',
    );
  }
  const data = readRecordFields({
    module: input.module,
    sources: [{ from: fields, skipMeta: true }],
    maxFieldLength: limits.maxFieldLength,
    warnings,
  });
  return {
    module: input.module.zohoApiName,
    recordId,
    ...context.operation,
    data,
    deliveryId: context.deliveryId,
    envelope: { id: context.envelopeId, index, records: context.size },
    warnings,
    format: 'json',
  };
}

/** The id of a refused record, for its result, when it is one (never an arbitrary value sent as the id). */
function knownRecordId(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const { id } = record as { id?: unknown };
  const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  return typeof text === 'string' && RECORD_ID_PATTERN.test(text.trim()) ? text.trim() : undefined;
}
