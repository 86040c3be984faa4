import { describe, expect, it } from 'vitest';
import { students } from '../../src/modules/students/index.js';
import { buildEventRow } from '../../src/webhooks/build-event-row.js';
import { buildRowParts } from '../../src/webhooks/build-row-parts.js';
import type { Classification } from '../../src/webhooks/classify-delivery.js';
import type { IncomingDelivery } from '../../src/webhooks/create-event-appender.js';
import { contentHash } from '../../src/webhooks/normalize-delivery.js';

const RECEIVED_AT = Date.parse('2026-11-28T09:59:59.500Z');

function withoutRequest(delivery: IncomingDelivery): IncomingDelivery {
  const { request: _request, ...rest } = delivery;
  return rest;
}

function incoming(overrides: Partial<IncomingDelivery['normalized']> = {}): IncomingDelivery {
  return {
    normalized: {
      module: students.zohoApiName,
      recordId: 'r1',
      operation: 'insert',
      operationSource: 'body',
      invalidOperation: undefined,
      data: { Academic_Email: 'A.Student@Example.edu', Student_ID_Number: 'N-1', City: 'Saïda' },
      deliveryId: 'd1',
      warnings: [],
      format: 'json',
      ...overrides,
    },
    source: 'zoho',
    rawBody: '{"raw":true}',
    contentType: 'application/json',
    headers: { 'user-agent': 'Zoho', 'x-zoho-signature': '[redacted]' },
    request: {
      method: 'POST',
      url: '/api/v1/events/zoho/student',
      authMethod: 'hmac',
      receivedAt: RECEIVED_AT,
    },
  };
}

describe('buildRowParts', () => {
  it('assigns the event id and computes the hash, the JSON texts, the arrival time and the search keys', () => {
    const delivery = incoming();
    const parts = buildRowParts(delivery, [students], () => 'event-1');
    expect(parts).toEqual({
      eventId: 'event-1',
      contentHash: contentHash(delivery.normalized),
      dataJson: JSON.stringify(delivery.normalized.data),
      headersJson: JSON.stringify(delivery.headers),
      receivedAt: '2026-11-28T09:59:59.500Z',
      searchKeys: { search_key_1: 'a.student@example.edu', search_key_2: 'N-1' },
    });
  });

  it('gives time-ordered ids by default, and no search keys or arrival time when it cannot know them', () => {
    const delivery = withoutRequest(incoming({ module: 'Unknown_Module' }));
    const first = buildRowParts(delivery, [students]);
    const second = buildRowParts(delivery, [students]);
    expect(first.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(second.eventId > first.eventId).toBe(true);
    expect(first.searchKeys).toEqual({ search_key_1: null, search_key_2: null });
    expect(first.receivedAt).toBeNull();
  });
});

describe('buildEventRow', () => {
  const createdAt = '2026-11-28T10:00:00.000Z';
  const queued: Classification = {
    status: 'queued',
    eventType: 'insert',
    operationSource: 'body',
    original: undefined,
    errorMessage: undefined,
    warnings: [],
  };
  const reply = { statusCode: 200, body: { success: true, event_id: 'event-1' } };
  const build = (classification: Classification, delivery = incoming()) =>
    buildEventRow({
      delivery,
      parts: buildRowParts(delivery, [students], () => 'event-1'),
      classification,
      reply,
      createdAt,
      maxAttempts: 7,
    });

  it('writes a queued delivery as a pending event with its payload, request and answer', () => {
    const row = build(queued);
    expect(row).toMatchObject({
      event_id: 'event-1',
      source: 'zoho',
      module: students.zohoApiName,
      event_type: 'insert',
      record_id: 'r1',
      status: 'pending',
      error_message: null,
      error_code: null,
      created_at: createdAt,
      updated_at: createdAt,
      processed_at: null,
      raw_body: '{"raw":true}',
      content_type: 'application/json',
      headers: JSON.stringify(incoming().headers),
      dedup_key: 'd1',
      duplicate_of: null,
      warnings: null,
      result: null,
      attempts: 0,
      max_attempts: 7,
      next_attempt_at: createdAt,
      locked_by: null,
      locked_until: null,
      request_method: 'POST',
      request_url: '/api/v1/events/zoho/student',
      auth_method: 'hmac',
      received_at: '2026-11-28T09:59:59.500Z',
      response_status: 200,
      response_body: JSON.stringify(reply.body),
      search_key_1: 'a.student@example.edu',
      search_key_2: 'N-1',
    });
    expect(row.stored_ms).toBeGreaterThan(0);
  });

  it('writes the payload as JSON.stringify would', () => {
    const delivery = incoming({ deliveryId: undefined, format: 'form' });
    const row = build({ ...queued, eventType: 'update', operationSource: 'inferred' }, delivery);
    expect(row.payload).toBe(
      JSON.stringify({
        operation: 'update',
        operation_source: 'inferred',
        delivery_id: null,
        format: 'form',
        data: delivery.normalized.data,
      }),
    );
    expect(row.dedup_key).toBeNull();
  });

  it('writes a duplicate as processed, pointing at its original, with its warnings', () => {
    const row = build({
      ...queued,
      status: 'duplicate',
      original: { event_id: 'event-0', event_type: 'insert' },
      warnings: ['w1'],
    });
    expect(row).toMatchObject({
      status: 'duplicate',
      processed_at: createdAt,
      duplicate_of: 'event-0',
      warnings: '["w1"]',
    });
  });

  it('writes a rejected delivery as failed at once with the reason and its code', () => {
    const row = build({
      ...queued,
      status: 'rejected',
      eventType: 'invalid',
      errorMessage: 'no such operation',
    });
    expect(row).toMatchObject({
      status: 'failed',
      event_type: 'invalid',
      processed_at: createdAt,
      error_message: 'no such operation',
      error_code: 'intake.invalid_operation',
    });
  });

  it('cuts the content type to the column and leaves the request columns empty without a request', () => {
    const delivery = { ...withoutRequest(incoming()), contentType: `text/plain; x=${'a'.repeat(300)}` };
    const row = build(queued, delivery);
    expect(row.content_type).toHaveLength(255);
    expect(row).toMatchObject({
      request_method: null,
      request_url: null,
      auth_method: null,
      stored_ms: null,
    });
  });
});
