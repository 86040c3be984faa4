import { describe, expect, it } from 'vitest';
import { students } from '../../src/modules/students/index.js';
import type { ZohoModule } from '../../src/modules/zoho-module.js';
import { dedupKeyOf } from '../../src/webhooks/normalize-delivery.js';
import { type EnvelopeInput, isEnvelope, normalizeEnvelope } from '../../src/webhooks/normalize-envelope.js';
import { parseZohoBody } from '../../src/webhooks/parse-zoho-body.js';
import { fixtureText } from '../helpers/deliveries.js';

const envelope = (text: string, options: Partial<EnvelopeInput> = {}) =>
  normalizeEnvelope({
    body: parseZohoBody(Buffer.from(text), 'application/json'),
    module: students,
    queryOperation: undefined,
    deliveryIdHeader: undefined,
    newDeliveryId: () => 'generated-id',
    ...options,
  });

const okDelivery = (result: ReturnType<typeof envelope>, index: number) => {
  const record = result.records[index];
  if (!record?.ok) throw new Error(`record ${index} was refused: ${JSON.stringify(record)}`);
  return record.delivery;
};

describe('normalizeEnvelope', () => {
  it('tells the envelope from the custom body, whose "data" is one object', () => {
    expect(
      isEnvelope(parseZohoBody(Buffer.from(fixtureText('zoho/student-envelope.json')), 'application/json')),
    ).toBe(true);
    expect(
      isEnvelope(parseZohoBody(Buffer.from(fixtureText('zoho/student-custom.json')), 'application/json')),
    ).toBe(false);
    expect(isEnvelope(parseZohoBody(Buffer.from('id=1&data=x'), 'application/x-www-form-urlencoded'))).toBe(
      false,
    );
  });

  it("reads each record of a Zoho envelope with the envelope's operation and delivery id", () => {
    const result = envelope(fixtureText('zoho/student-envelope.json'));
    expect(result.deliveryId).toBe('5725767000001234567_2026-11-28T10:05:00+03:00');
    expect(result.id).toBe(result.deliveryId);
    expect(result.records).toHaveLength(2);
    const first = okDelivery(result, 0);
    expect(first).toMatchObject({
      module: 'BTEC_Students',
      recordId: '5725767000001234567',
      operation: 'update',
      operationSource: 'body',
      deliveryId: '5725767000001234567_2026-11-28T10:05:00+03:00',
      envelope: { id: '5725767000001234567_2026-11-28T10:05:00+03:00', index: 0, records: 2 },
      format: 'json',
    });
    expect(first.data).toMatchObject({
      Academic_Email: 'a01b3900c@student.example.edu',
      Moodle_User_ID: null,
      Modified_Time: '2026-11-28T10:05:00+03:00',
    });
    // Zoho's system keys are no student fields: named in a warning, never read as data.
    expect(first.data).not.toHaveProperty('Owner');
    expect(first.warnings.join(' ')).toContain('Owner');
    expect(first.warnings.join(' ')).not.toContain('registrar@school.example.edu');
    expect(okDelivery(result, 1)).toMatchObject({ recordId: '5725767000001234568', envelope: { index: 1 } });
  });

  it('takes ?operation= over the top-level operation, and gives an envelope without a delivery id one of its own', () => {
    const result = envelope('{"operation":"insert","data":[{"id":"1","City":"Beirut"}]}', {
      queryOperation: 'delete',
    });
    expect(okDelivery(result, 0)).toMatchObject({ operation: 'delete', operationSource: 'query' });
    expect(result.deliveryId).toBeUndefined();
    expect(result.id).toBe('generated-id');
    expect(okDelivery(result, 0).envelope?.id).toBe('generated-id');
    expect(dedupKeyOf(okDelivery(result, 0))).toBeUndefined();
  });

  it("keeps an unknown operation for the events to fail on, and warns of a record's own operation", () => {
    const result = envelope('{"operation":"archive","data":[{"id":"1","operation":"delete"}]}');
    expect(okDelivery(result, 0)).toMatchObject({ operation: undefined, invalidOperation: 'archive' });
    expect(okDelivery(result, 0).warnings.join(' ')).toContain('own "operation" was ignored');
  });

  it('prefers a delivery header, then notification_id, then delivery_id', () => {
    const body = '{"notification_id":"n-1","delivery_id":"d-1","data":[{"id":"1"}]}';
    expect(envelope(body, { deliveryIdHeader: 'h-1' }).deliveryId).toBe('h-1');
    expect(envelope(body).deliveryId).toBe('n-1');
    expect(envelope('{"delivery_id":"d-1","data":[{"id":"1"}]}').deliveryId).toBe('d-1');
  });

  it("derives each record's re-delivery key from the delivery id and its record id", () => {
    const result = envelope('{"delivery_id":"d-1","data":[{"id":"1"},{"id":"2"}]}');
    expect(dedupKeyOf(okDelivery(result, 0))).toBe('d-1#1');
    expect(dedupKeyOf(okDelivery(result, 1))).toBe('d-1#2');
    const long = envelope(`{"delivery_id":"${'d'.repeat(255)}","data":[{"id":"${'7'.repeat(128)}"}]}`);
    const key = dedupKeyOf(okDelivery(long, 0)) as string;
    expect(key.length).toBeLessThanOrEqual(255);
    expect(key).toMatch(/^sha256:[0-9a-f]{64}#7{128}$/);
  });

  it('refuses the records it cannot take, each on its own, and keeps the others', () => {
    const result = envelope(
      JSON.stringify({
        operation: 'insert',
        data: [
          { id: '1', Academic_Email: 'one@student.example.edu' },
          { Academic_Email: 'no.id@student.example.edu' },
          { id: '3', Address: 'x'.repeat(10_001) },
          'not a record',
          { id: 'not an id!', City: 'Beirut' },
          { id: '6', Academic_Email: 'six@student.example.edu' },
        ],
      })
        .replace('"id":"6"', '"id":6')
        .replace('}]}', '},{"id":4.876876e18}]}'),
    );
    expect(result.records.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'missing_record_id',
      'field_too_long',
      'record_not_object',
      'invalid_record_id',
      'ok',
      'inexact_number',
    ]);
    expect(result.records.map((r) => (r.ok ? r.delivery.recordId : r.recordId))).toEqual([
      '1',
      undefined,
      '3',
      undefined,
      undefined,
      '6',
      undefined,
    ]);
    const tooLong = result.records[2];
    expect(tooLong?.ok === false && tooLong.error.details).toEqual({
      setting: 'MAX_FIELD_LENGTH',
      limit: 10_000,
    });
    const missing = result.records[1];
    expect(missing?.ok === false && missing.error.message).toContain('Record 1 of "data" has no record id');
  });

  it('refuses a record with more than MAX_FIELDS keys, naming the setting', () => {
    const keys = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
    const result = envelope(JSON.stringify({ data: [{ id: '1', ...keys }, { id: '2' }] }), {
      limits: { maxFieldLength: 100, maxFields: 30, maxRecordsPerDelivery: 10 },
    });
    expect(result.records[0]).toMatchObject({
      ok: false,
      recordId: '1',
      error: { code: 'too_many_fields', details: { setting: 'MAX_FIELDS', limit: 30 } },
    });
    expect(result.records[1]?.ok).toBe(true);
  });

  it("reads lookups as the related record's id, on any module", () => {
    const module: Pick<ZohoModule, 'name' | 'zohoApiName' | 'fields'> = {
      name: 'enrollment',
      zohoApiName: 'Enrollments',
      fields: [
        { apiName: 'Classes', label: 'Class', personal: false, maxLength: 128, lookup: true },
        { apiName: 'Status', label: 'Status', personal: false, maxLength: 64 },
      ],
    };
    const result = envelope(
      '{"data":[{"id":"9","Classes":{"id":"5725767000000900001","name":"Unit 4 Cohort B"},"Status":"Active"}]}',
      {
        module,
      },
    );
    expect(okDelivery(result, 0)).toMatchObject({
      module: 'Enrollments',
      data: { Classes: '5725767000000900001', Status: 'Active' },
    });
  });

  it('refuses an envelope over MAX_RECORDS_PER_DELIVERY with 413 naming the setting, and an empty one', () => {
    const records = JSON.stringify({ data: Array.from({ length: 4 }, (_, i) => ({ id: String(i + 1) })) });
    const limits = { maxFieldLength: 100, maxFields: 30, maxRecordsPerDelivery: 3 };
    expect(() => envelope(records, { limits })).toThrow(
      expect.objectContaining({
        code: 'too_many_records',
        status: 413,
        details: { setting: 'MAX_RECORDS_PER_DELIVERY', limit: 3 },
      }),
    );
    expect(() => envelope(records, { limits })).toThrow(/MAX_RECORDS_PER_DELIVERY/);
    expect(envelope(records, { limits: { ...limits, maxRecordsPerDelivery: 4 } }).records).toHaveLength(4);
    expect(() => envelope('{"data":[]}')).toThrow(
      expect.objectContaining({ code: 'empty_envelope', status: 400 }),
    );
  });

  it('puts what the envelope says on every record: a wrong module, keys outside "data", placeholders', () => {
    const result = envelope(
      '{"module":"Contacts","operation":"${OPERATION}","Academic_Email":"top@student.example.edu","data":[{"id":"1"},{"id":"2"}]}',
    );
    for (const index of [0, 1]) {
      const { warnings, operation, data } = okDelivery(result, index);
      expect(operation).toBeUndefined();
      expect(data).toEqual({});
      expect(warnings.join(' ')).toContain('"Contacts"');
      expect(warnings.join(' ')).toContain('"operation" arrived as an unresolved Zoho placeholder');
      expect(warnings.join(' ')).toContain('Ignored top-level keys of the envelope');
      expect(warnings.join(' ')).not.toContain('top@student.example.edu');
    }
  });
});
