import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { students } from '../../src/modules/students/index.js';
import { DEFAULT_INTAKE_LIMITS } from '../../src/webhooks/intake-limits.js';
import { normalizeDelivery } from '../../src/webhooks/normalize-delivery.js';
import { normalizeOperation } from '../../src/webhooks/normalize-operation.js';
import { parseZohoBody } from '../../src/webhooks/parse-zoho-body.js';

const limits = { maxFields: 30, maxJsonDepth: 4, maxFieldLength: 100 };
const json = (text: string) => parseZohoBody(Buffer.from(text), 'application/json', limits);
const form = (text: string) => parseZohoBody(Buffer.from(text), 'application/x-www-form-urlencoded', limits);
const keys = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => `"${prefix}${i}":"v"`).join(',');

/** The AppError a call throws (fails the test when it throws nothing or something else). */
function thrown(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('intake limits', () => {
  it('has the documented defaults, read from MAX_FIELD_LENGTH, MAX_FIELDS, MAX_JSON_DEPTH and MAX_RECORDS_PER_DELIVERY', () => {
    const documented = {
      maxFieldLength: 10_000,
      maxFields: 200,
      maxJsonDepth: 20,
      maxRecordsPerDelivery: 100,
    };
    expect(DEFAULT_INTAKE_LIMITS).toEqual(documented);
    const defaults = loadConfig({ env: {}, dotenvPath: null }).webhook;
    expect(defaults).toMatchObject(documented);
    const set = loadConfig({
      env: { MAX_FIELD_LENGTH: '500', MAX_FIELDS: '50', MAX_JSON_DEPTH: '5', MAX_RECORDS_PER_DELIVERY: '7' },
      dotenvPath: null,
    }).webhook;
    expect(set).toMatchObject({
      maxFieldLength: 500,
      maxFields: 50,
      maxJsonDepth: 5,
      maxRecordsPerDelivery: 7,
    });
  });

  it('refuses limits that would break ordinary Zoho deliveries, naming the setting', () => {
    for (const [name, value] of [
      ['MAX_FIELDS', '5'],
      ['MAX_JSON_DEPTH', '1'],
      ['MAX_FIELD_LENGTH', '10'],
      ['MAX_FIELDS', 'many'],
      ['MAX_RECORDS_PER_DELIVERY', '0'],
      ['MAX_RECORDS_PER_DELIVERY', '1001'],
    ] as const) {
      expect(() => loadConfig({ env: { [name]: value }, dotenvPath: null })).toThrow(ConfigError);
      expect(() => loadConfig({ env: { [name]: value }, dotenvPath: null })).toThrow(name);
    }
  });

  it('accepts a JSON body and a data object with exactly MAX_FIELDS keys', () => {
    expect(Object.keys(json(`{${keys(30)}}`).fields)).toHaveLength(30);
    expect(json(`{"record_id":"1","data":{${keys(30)}}}`).format).toBe('json');
  });

  it('refuses a JSON body with more than MAX_FIELDS keys with too_many_fields', () => {
    const error = thrown(() => json(`{${keys(31)}}`));
    expect(error).toMatchObject({ code: 'too_many_fields', status: 400 });
    expect(error.details).toEqual({ setting: 'MAX_FIELDS', limit: 30 });
    expect(error.message).toContain('MAX_FIELDS');
    expect(error.message).toContain('31');
  });

  it('refuses a data object with more than MAX_FIELDS keys', () => {
    const error = thrown(() => json(`{"record_id":"1","data":{${keys(31)}}}`));
    expect(error).toMatchObject({ code: 'too_many_fields' });
    expect(error.message).toContain('"data"');
  });

  it('counts every form parameter, repeated ones included', () => {
    expect(() => form(Array.from({ length: 30 }, () => 'a=1').join('&'))).not.toThrow();
    const error = thrown(() => form(Array.from({ length: 31 }, () => 'a=1').join('&')));
    expect(error).toMatchObject({ code: 'too_many_fields', details: { setting: 'MAX_FIELDS', limit: 30 } });
  });

  it('accepts nesting up to MAX_JSON_DEPTH and refuses deeper with json_too_deep', () => {
    expect(json('{"record_id":"1","data":{"a":[{"b":1}]}}').format).toBe('json'); // depth 4
    const error = thrown(() => json('{"record_id":"1","data":{"a":[{"b":[1]}]}}'));
    expect(error).toMatchObject({ code: 'json_too_deep', status: 400 });
    expect(error.details).toEqual({ setting: 'MAX_JSON_DEPTH', limit: 4 });
    expect(error.message).toContain('MAX_JSON_DEPTH');
  });

  it('does not count brackets inside strings, escaped quotes included, toward the depth', () => {
    expect(json('{"record_id":"1","data":{"Name":"[[[[[{{{{{ \\" [[[[["}}').format).toBe('json');
  });

  it('refuses a deeply nested body quickly, before parsing it', () => {
    const deep = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    const started = performance.now();
    expect(thrown(() => json(deep)).code).toBe('json_too_deep');
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('refuses a field longer than MAX_FIELD_LENGTH with field_too_long, naming field, setting and limit', () => {
    const normalize = (name: string) =>
      normalizeDelivery({
        body: json(JSON.stringify({ record_id: '1', data: { Name: name } })),
        module: students,
        queryOperation: undefined,
        deliveryIdHeader: undefined,
        limits,
      });
    expect(normalize('x'.repeat(100)).data.Name).toHaveLength(100);
    const error = thrown(() => normalize('x'.repeat(101)));
    expect(error).toMatchObject({ code: 'field_too_long', status: 400 });
    expect(error.details).toEqual({ setting: 'MAX_FIELD_LENGTH', limit: 100 });
    expect(error.message).toMatch(/Field Name .*MAX_FIELD_LENGTH/);
  });

  it('refuses NUL characters, raw or escaped, which PostgreSQL cannot store', () => {
    expect(thrown(() => form('id=1&Name=a\u0000b')).code).toBe('invalid_character');
    const escaped = (body: object, queryOperation?: string) =>
      normalizeDelivery({
        body: json(JSON.stringify(body)),
        module: students,
        queryOperation,
        deliveryIdHeader: undefined,
      });
    expect(thrown(() => escaped({ record_id: '1', operation: '\u0000' })).code).toBe('invalid_character');
    expect(thrown(() => escaped({ record_id: '1', data: { City: 'a\u0000' } })).code).toBe(
      'invalid_character',
    );
    expect(thrown(() => escaped({ record_id: '1', notification_id: '\u0000' })).code).toBe(
      'invalid_character',
    );
    expect(thrown(() => escaped({ record_id: '1' }, 'insert\u0000')).code).toBe('invalid_character');
  });

  it('refuses a lone surrogate escape, which is no character, and keeps a paired one', () => {
    const escaped = (body: object) =>
      normalizeDelivery({
        body: json(JSON.stringify(body)),
        module: students,
        queryOperation: undefined,
        deliveryIdHeader: undefined,
      });
    for (const lone of ['\ud800', 'a\udfffb', '\udc00\ud800']) {
      const error = thrown(() => escaped({ record_id: '1', notification_id: lone }));
      expect(error).toMatchObject({ code: 'invalid_character', status: 400 });
      expect(error.message).toMatch(/"notification_id" contains a lone UTF-16 surrogate/);
      expect(thrown(() => escaped({ record_id: '1', data: { City: lone } })).code).toBe('invalid_character');
    }
    expect(escaped({ record_id: '1', data: { City: 'Smile \ud83d\ude00' } }).data.City).toBe('Smile 😀');
  });
});

describe('normalizeOperation', () => {
  it("ignores names of Object.prototype's members (constructor, __proto__, toString)", () => {
    for (const name of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'isPrototypeOf',
    ]) {
      expect(normalizeOperation(name)).toBeUndefined();
    }
    expect(normalizeOperation(' Edit ')).toBe('update');
  });
});
