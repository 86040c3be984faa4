import { describe, expect, it } from 'vitest';
import { students } from '../../src/modules/index.js';
import { contentHash, normalizeDelivery } from '../../src/webhooks/normalize-delivery.js';
import { normalizeOperation } from '../../src/webhooks/normalize-operation.js';
import { parseZohoBody } from '../../src/webhooks/parse-zoho-body.js';
import { fixtureText } from '../helpers/deliveries.js';

const normalize = (text: string, contentType = 'application/json', queryOperation?: string) =>
  normalizeDelivery({
    body: parseZohoBody(Buffer.from(text), contentType),
    module: students,
    queryOperation,
    deliveryIdHeader: undefined,
  });

describe('normalizeDelivery', () => {
  it('reads the original custom JSON body', () => {
    const n = normalize(fixtureText('zoho/student-custom.json'));
    expect(n).toMatchObject({
      recordId: '5725767000001234567',
      operation: 'insert',
      operationSource: 'body',
      deliveryId: '5725767000001234567_1764324000000',
      warnings: [],
      format: 'json',
    });
    expect(n.data).toMatchObject({ Academic_Email: 'a01b3900c@student.example.edu', Moodle_User_ID: null });
  });

  it('treats unresolved placeholders as absent and warns about each', () => {
    const n = normalize(fixtureText('zoho/student-custom-unresolved.json'));
    expect(n.operation).toBeUndefined();
    expect(n.deliveryId).toBeUndefined();
    expect(n.data.Phone).toBeUndefined();
    expect(n.data.Name).toBe('محمد الخطيب');
    expect(n.warnings).toHaveLength(3);
  });

  it('reads Zoho form data with the operation from the query', () => {
    const n = normalize(fixtureText('zoho/student-form.txt'), 'application/x-www-form-urlencoded', 'edit');
    expect(n).toMatchObject({
      recordId: '5725767000001234568',
      operation: 'update',
      operationSource: 'query',
    });
    expect(n.data).toMatchObject({
      Phone: '+971 50 123 4567',
      Moodle_User_ID: null,
      Modified_Time: '2026-11-28T10:05:00+04:00',
    });
  });

  it('warns about repeated form keys and unknown fields, by name only', () => {
    const n = normalize('id=1&City=A&City=B&Favourite_Colour=blue', 'application/x-www-form-urlencoded');
    expect(n.data.City).toBe('B');
    expect(n.warnings.join(' ')).toContain('City');
    expect(n.warnings.join(' ')).toContain('Favourite_Colour');
    expect(n.warnings.join(' ')).not.toContain('blue');
  });

  it('matches field names without regard to case and accepts numbers', () => {
    const n = normalize('{"id": 42, "academic_email": "x@y.edu", "Moodle_User_ID": 7}');
    expect(n.recordId).toBe('42');
    expect(n.data).toEqual({ Academic_Email: 'x@y.edu', Moodle_User_ID: '7' });
  });

  it('remembers an operation it does not know instead of guessing', () => {
    const n = normalize('{"record_id": "1", "operation": "merge"}');
    expect(n.operation).toBeUndefined();
    expect(n.invalidOperation).toBe('merge');
  });

  it('hashes the same content the same way, whatever the delivery id or key order', () => {
    const a = normalize('{"record_id": "1", "notification_id": "a", "data": {"City": "X", "Name": "Y"}}');
    const b = normalize('{"record_id": "1", "notification_id": "b", "data": {"Name": "Y", "City": "X"}}');
    const c = normalize('{"record_id": "1", "data": {"Name": "Y", "City": "Z"}}');
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).not.toBe(contentHash(c));
  });
});

describe('normalizeOperation', () => {
  it('maps every documented spelling and refuses the rest', () => {
    expect(['insert', 'Create', 'created'].map(normalizeOperation)).toEqual(['insert', 'insert', 'insert']);
    expect(['update', 'EDIT', 'edited', 'updated'].map(normalizeOperation)).toEqual([
      'update',
      'update',
      'update',
      'update',
    ]);
    expect(['delete', 'deleted', 'remove'].map(normalizeOperation)).toEqual(['delete', 'delete', 'delete']);
    expect(normalizeOperation('${OPERATION}')).toBeUndefined();
    expect(normalizeOperation('upsert')).toBeUndefined();
  });
});
