import type { EventStatus, NewEventRow } from '../db/schema.js';
import type { RowParts } from './build-row-parts.js';
import type { Classification } from './classify-delivery.js';
import type { AppendResult, AppendStatus, IncomingDelivery } from './create-event-appender.js';
import { dedupKeyOf } from './normalize-delivery.js';

export interface EventRowInput {
  delivery: IncomingDelivery;
  parts: RowParts;
  classification: Classification;
  /** What the sender is answered (AppendResult's `reply`), kept with the event. */
  reply: AppendResult['reply'];
  /** When the event is stored (ISO-8601). */
  createdAt: string;
  maxAttempts: number;
}

const ROW_STATUS: Readonly<Record<AppendStatus, EventStatus>> = {
  queued: 'pending',
  duplicate: 'duplicate',
  rejected: 'failed',
};

/** The event-log row of a classified delivery: every column intake writes. */
export function buildEventRow(input: EventRowInput): NewEventRow {
  const { delivery, parts, classification: c, reply, createdAt } = input;
  const n = delivery.normalized;
  const request = delivery.request;
  const status = ROW_STATUS[c.status];
  return {
    event_id: parts.eventId,
    source: delivery.source,
    module: n.module,
    event_type: c.eventType,
    record_id: n.recordId,
    status,
    error_message: c.errorMessage ?? null,
    error_code: c.errorMessage ? 'intake.invalid_operation' : null,
    created_at: createdAt,
    updated_at: createdAt,
    processed_at: status === 'pending' ? null : createdAt,
    // The same text as JSON.stringify of { operation, operation_source, delivery_id, format, envelope?, data }.
    payload: `{"operation":${JSON.stringify(c.eventType)},"operation_source":${JSON.stringify(c.operationSource ?? null)},"delivery_id":${JSON.stringify(n.deliveryId ?? null)},"format":${JSON.stringify(n.format)},${n.envelope ? `"envelope":${JSON.stringify(n.envelope)},` : ''}"data":${parts.dataJson}}`,
    raw_body: delivery.rawBody,
    content_type: delivery.contentType?.slice(0, 255) ?? null,
    headers: parts.headersJson,
    dedup_key: dedupKeyOf(n) ?? null,
    delivery_id: n.envelope?.id ?? n.deliveryId ?? null,
    content_hash: parts.contentHash,
    duplicate_of: c.original?.event_id ?? null,
    warnings: c.warnings.length > 0 ? JSON.stringify(c.warnings) : null,
    result: null,
    attempts: 0,
    max_attempts: input.maxAttempts,
    next_attempt_at: createdAt,
    locked_by: null,
    locked_until: null,
    request_method: request?.method ?? null,
    request_url: request?.url ?? null,
    auth_method: request?.authMethod ?? null,
    received_at: parts.receivedAt,
    stored_ms: request
      ? Math.round((performance.timeOrigin + performance.now() - request.receivedAt) * 10) / 10
      : null,
    response_status: reply.statusCode,
    response_body: JSON.stringify(reply.body),
    ...parts.searchKeys,
  };
}
