import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import type { RecordData, ZohoModule } from '../modules/zoho-module.js';
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from './intake-limits.js';
import type { Operation } from './normalize-operation.js';
import type { ParsedBody } from './parse-zoho-body.js';
import { readRecordFields, readText } from './read-record-fields.js';
import { type OperationSource, resolveOperation } from './resolve-operation.js';
import { isUnresolvedPlaceholder, RECORD_ID_PATTERN } from './text-checks.js';

export interface NormalizedDelivery {
  module: string;
  recordId: string;
  /** Explicit operation, when the sender gave a valid one. */
  operation: Operation | undefined;
  operationSource: Exclude<OperationSource, 'inferred'> | undefined;
  /** An explicit value that is not an operation we know (the event will fail, naming it). */
  invalidOperation: string | undefined;
  data: RecordData;
  /** The sender's resolved delivery id (for a record of an envelope, the envelope's): see `dedupKeyOf`. */
  deliveryId: string | undefined;
  /** For a record of a `{"data": […]}` envelope: the envelope's id and where the record stands in it. */
  envelope?: EnvelopePosition;
  warnings: string[];
  format: ParsedBody['format'];
}

/** A record's place in its envelope. */
export interface EnvelopePosition {
  /** The sender's delivery id, or the one mzi gave the envelope (stored as each event's `delivery_id`). */
  id: string;
  /** The record's index in `data`, from 0. */
  index: number;
  /** How many records `data` holds. */
  records: number;
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
  checkRecordId(recordId);

  const moduleName = input.module.zohoApiName;
  checkBodyModule(text('module'), moduleName, warnings);
  const operation = resolveOperation(input.queryOperation, text('operation'), warnings);
  const data = readRecordFields({
    module: input.module,
    sources: [
      { from: fields, skipMeta: true },
      { from: dataSource, skipMeta: false },
    ],
    maxFieldLength,
    warnings,
  });

  return {
    module: moduleName,
    recordId,
    ...operation,
    data,
    deliveryId: resolveDeliveryId(input.deliveryIdHeader, fields, warnings),
    warnings,
    format: input.body.format,
  };
}

/** Refuses a record id that is no Zoho record id (400 `invalid_record_id`). */
export function checkRecordId(recordId: string): void {
  if (RECORD_ID_PATTERN.test(recordId)) return;
  throw new AppError(
    'invalid_record_id',
    'The record id must be 1 to 128 letters, digits, or the characters _ . : - (Zoho record ids are digits).',
    { status: 400 },
  );
}

/** A body that names another module than the webhook it was sent to is read as the webhook's, with a warning. */
export function checkBodyModule(
  bodyModule: string | undefined,
  moduleName: string,
  warnings: string[],
): void {
  if (bodyModule === undefined || bodyModule === moduleName) return;
  warnings.push(
    `The body names module "${bodyModule.slice(0, 64)}" but was sent to the ${moduleName} webhook; treated as ${moduleName}.`,
  );
}

/**
 * The sender's delivery id: a delivery header (`webhook-id`, `x-zoho-delivery-id`), else the body's
 * `notification_id`, else its `delivery_id`; unresolved placeholders count as absent.
 */
export function resolveDeliveryId(
  header: string | undefined,
  fields: Record<string, unknown>,
  warnings: string[],
): string | undefined {
  if (header !== undefined && !isUnresolvedPlaceholder(header)) return header.slice(0, 255);
  return (readText(fields, 'notification_id', warnings) ?? readText(fields, 'delivery_id', warnings))?.slice(
    0,
    255,
  );
}

/**
 * The key that marks a re-delivery of this delivery (DESIGN.md §2), when the sender gave a delivery id: that id;
 * for a record of an envelope, the envelope's id with the record id, so that each record of a re-delivered
 * envelope repeats its own original. A key too long for the column (255) keeps the record id and a hash of
 * the delivery id.
 */
export function dedupKeyOf(delivery: Pick<NormalizedDelivery, 'deliveryId' | 'envelope' | 'recordId'>) {
  const { deliveryId, envelope, recordId } = delivery;
  if (deliveryId === undefined || envelope === undefined) return deliveryId;
  const key = `${deliveryId}#${recordId}`;
  if (key.length <= 255) return key;
  return `sha256:${createHash('sha256').update(deliveryId).digest('hex')}#${recordId}`;
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
