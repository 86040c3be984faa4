import { createHash } from 'node:crypto';
import type { ZohoModule } from '../modules/zoho-module.js';
import type { IncomingDelivery } from '../webhooks/create-event-appender.js';
import { checkRecordId } from '../webhooks/normalize-delivery.js';
import type { Operation } from '../webhooks/normalize-operation.js';
import { readRecordFields } from '../webhooks/read-record-fields.js';
import type { ZohoRecord } from '../zoho/zoho-api.js';

/** What sync appends for one difference: the record as Zoho listed it (a deleted record: its id only). */
export interface SyncChange {
  readonly operation: Operation;
  readonly recordId: string;
  /** The record's Modified_Time, or its deletion time for a delete: with the record id, the change's identity. */
  readonly version: string;
  /** The listed record (undefined for a delete: Zoho keeps nothing of it but its id). */
  readonly record: ZohoRecord | undefined;
}

/**
 * The dedup key of a change (DESIGN.md §2): the same version of a record read again (an overlapping or re-read
 * page, a second sync) repeats the event appended the first time instead of adding one.
 */
export function syncDedupKey(module: Pick<ZohoModule, 'name'>, change: Omit<SyncChange, 'record'>): string {
  const kind = change.operation === 'delete' ? 'deleted:' : '';
  const key = `sync:${module.name}:${change.recordId}:${kind}${change.version}`;
  return key.length <= 255
    ? key
    : `sync:${module.name}:${change.recordId}:${createHash('sha256').update(key).digest('hex')}`;
}

/** The version of a listed record: its Modified_Time, or a hash of its fields when Zoho sent none. */
export function recordVersion(record: ZohoRecord): string {
  const modified = record.Modified_Time;
  if (typeof modified === 'string' && modified !== '') return modified;
  return `sha256:${createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 32)}`;
}

/**
 * A change as intake's delivery: the record's fields read exactly as a webhook's (a lookup `{"id","name"}`
 * becomes the related record's id, fields the module does not know are dropped), the explicit operation, and
 * the dedup key as its delivery id. Throws intake's 400 AppError for a record no webhook could deliver either
 * (an id that is no record id, a field over MAX_FIELD_LENGTH).
 */
export function syncDelivery(options: {
  module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields'>;
  change: SyncChange;
  maxFieldLength: number;
}): IncomingDelivery {
  const { module, change } = options;
  checkRecordId(change.recordId);
  const warnings: string[] = [];
  const data = change.record
    ? readRecordFields({
        module,
        sources: [{ from: change.record, skipMeta: true }],
        maxFieldLength: options.maxFieldLength,
        warnings,
      })
    : {};
  return {
    normalized: {
      module: module.zohoApiName,
      recordId: change.recordId,
      operation: change.operation,
      operationSource: 'sync',
      invalidOperation: undefined,
      data,
      deliveryId: syncDedupKey(module, change),
      warnings,
      format: 'json',
    },
    source: 'sync',
    rawBody: JSON.stringify(change.record ?? { id: change.recordId, deleted_time: change.version }),
    contentType: 'application/json',
    headers: {},
  };
}
