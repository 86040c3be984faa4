import { describe, expect, it } from 'vitest';
import { students } from '../../src/modules/students/index.js';
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

/** A module with lookup fields, as an enrollment has (its student and its class). */
const enrollments = {
  name: 'enrollment',
  zohoApiName: 'Test_Enrollments',
  fields: [
    { apiName: 'Status', label: 'Status', personal: false, maxLength: 64 },
    { apiName: 'Enrolled_Students', label: 'Student', personal: false, maxLength: 128, lookup: true },
    { apiName: 'Classes', label: 'Class', personal: false, maxLength: 128, lookup: true },
  ],
};

const normalizeEnrollment = (text: string, contentType = 'application/json') =>
  normalizeDelivery({
    body: parseZohoBody(Buffer.from(text), contentType),
    module: enrollments,
    queryOperation: 'insert',
    deliveryIdHeader: undefined,
  });

describe('normalizeDelivery of lookup fields', () => {
  it('keeps the id of Zoho’s lookup object, and a plain id, in the custom JSON body', () => {
    const n = normalizeEnrollment(
      '{"record_id": "1", "operation": "insert", "data": {"Enrolled_Students": {"id": "4876876000000123457", "name": "Lina Haddad"}, "Classes": "4876876000000999001"}}',
    );
    expect(n.data).toEqual({
      Enrolled_Students: '4876876000000123457',
      Classes: '4876876000000999001',
    });
    expect(n.warnings).toEqual([]);
    // The name in the lookup object may be a person's: it is not kept anywhere.
    expect(JSON.stringify(n)).not.toContain('Lina');
  });

  it('keeps the exact digits of 19-digit ids sent as JSON numbers, plain or in the object, in flat JSON', () => {
    const n = normalizeEnrollment(
      '{"id": 7, "Enrolled_Students": 4876876000000123457, "Classes": {"id": 4876876000000123458, "name": "BTEC L3"}}',
    );
    expect(n.data).toEqual({
      Enrolled_Students: '4876876000000123457',
      Classes: '4876876000000123458',
    });
  });

  it('refuses a lookup id that is a number too large to be exact, as it refuses such a record id', () => {
    expect(() => normalizeEnrollment('{"id": 7, "Classes": {"id": 4.876876000000123e18}}')).toThrow(
      expect.objectContaining({ code: 'inexact_number', status: 400 }),
    );
  });

  it('reads a form’s plain value, Field.id and data[Field][id], and empties a lookup with an empty value', () => {
    expect(
      normalizeEnrollment(
        'id=1&Enrolled_Students=4876876000000123457&Classes=',
        'application/x-www-form-urlencoded',
      ).data,
    ).toEqual({ Enrolled_Students: '4876876000000123457', Classes: null });
    const n = normalizeEnrollment(
      'id=1&Enrolled_Students.id=4876876000000123457&data%5BClasses%5D%5Bid%5D=4876876000000999001',
      'application/x-www-form-urlencoded',
    );
    expect(n.data).toEqual({ Enrolled_Students: '4876876000000123457', Classes: '4876876000000999001' });
    expect(n.warnings).toEqual([]);
  });

  it('keeps null as empty, from a plain null', () => {
    expect(normalizeEnrollment('{"id": "1", "data": {"Classes": null}}').data).toEqual({ Classes: null });
  });

  it('ignores, with a warning naming the field and never the value, what carries no usable id', () => {
    const cases: Array<[string, string]> = [
      ['{"Classes": {"name": "Lina Haddad"}}', "a lookup object needs the related record's id"],
      ['{"Classes": {"id": null, "name": "Lina Haddad"}}', "a lookup object needs the related record's id"],
      ['{"Classes": {"id": {"id": "5"}}}', "a lookup object needs the related record's id"],
      ['{"Classes": [{"id": "5", "name": "Lina Haddad"}]}', 'got an array'],
      ['{"Classes": true}', 'got boolean'],
      ['{"Classes": 12.5}', 'a whole number'],
      ['{"Classes": "Lina Haddad"}', 'not its name'],
      ['{"Classes": {"id": "${Classes.id}"}}', 'unresolved Zoho placeholder'],
    ];
    for (const [data, reason] of cases) {
      const n = normalizeEnrollment(`{"record_id": "1", "data": ${data}}`);
      expect(n.data, data).toEqual({});
      expect(n.warnings, data).toEqual([expect.stringMatching(/^Field Classes (was ignored|arrived)/)]);
      expect(n.warnings[0], data).toContain(reason);
      expect(n.warnings[0], data).not.toContain('Lina');
    }
  });

  it('does not read Field.id of a field that is not a lookup, nor keep an object in an ordinary field', () => {
    const n = normalizeEnrollment(
      'id=1&Status.id=5&data%5BStatus%5D%5Bid%5D=6',
      'application/x-www-form-urlencoded',
    );
    expect(n.data).toEqual({});
    expect(n.warnings).toEqual([
      'Ignored fields that are not Test_Enrollments fields mzi knows: Status.id, Status[id].',
    ]);
    const json = normalizeEnrollment('{"id": "1", "Status": {"id": "5", "name": "Active"}}');
    expect(json.data).toEqual({});
    expect(json.warnings).toEqual(['Field Status was ignored: expected text, got object.']);
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
