import fc from 'fast-check';
import { parse as parseLossless } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { students } from '../../src/modules/students/index.js';
import { normalizeDelivery } from '../../src/webhooks/normalize-delivery.js';
import { parseJsonExact } from '../../src/webhooks/parse-json-exact.js';
import { parseZohoBody } from '../../src/webhooks/parse-zoho-body.js';

const normalize = (text: string) =>
  normalizeDelivery({
    body: parseZohoBody(Buffer.from(text), 'application/json'),
    module: students,
    queryOperation: undefined,
    deliveryIdHeader: undefined,
  });

/** What a Zoho raw template writes for `${BTEC_Students.Id}` without quotes, as number literals. */
const EDGES = [
  { name: '2^53 - 1', literal: '9007199254740991', expected: '9007199254740991' },
  { name: '2^53', literal: '9007199254740992', expected: '9007199254740992' },
  { name: '2^53 + 1', literal: '9007199254740993', expected: '9007199254740993' },
  { name: '-(2^53 + 1)', literal: '-9007199254740993', expected: '-9007199254740993' },
  { name: '19 digits', literal: '4876876000000123457', expected: '4876876000000123457' },
  { name: '19 digits, next', literal: '4876876000000123458', expected: '4876876000000123458' },
  {
    name: '30 digits',
    literal: '123456789012345678901234567890',
    expected: '123456789012345678901234567890',
  },
];

describe('big integers in JSON bodies', () => {
  it.each(EDGES)('keeps the exact digits of $name as the record id in the body', ({ literal, expected }) => {
    expect(normalize(`{"record_id": ${literal}, "operation": "insert"}`).recordId).toBe(expected);
    expect(normalize(`{"id":${literal}}`).recordId).toBe(expected);
  });

  it.each(EDGES)(
    'keeps the exact digits of $name as the record id and fields in data',
    ({ literal, expected }) => {
      const n = normalize(
        `{"data": {"id": ${literal}, "Student_ID_Number": ${literal}, "Phone": ${literal}, "Moodle_User_ID": ${literal}}}`,
      );
      expect(n.recordId).toBe(expected);
      expect(n.data).toMatchObject({
        Student_ID_Number: expected,
        Phone: expected,
        Moodle_User_ID: expected,
      });
    },
  );

  it('keeps two 19-digit ids one apart as two records', () => {
    const a = normalize('{"record_id": 4876876000000123457, "data": {"Academic_Email": "a@b.edu"}}');
    const b = normalize('{"record_id": 4876876000000123458, "data": {"Academic_Email": "a@b.edu"}}');
    expect([a.recordId, b.recordId]).toEqual(['4876876000000123457', '4876876000000123458']);
  });

  it('keeps a big integer field exact in a body with a small id, in top-level fields too', () => {
    const n = normalize('{"record_id": 7, "Student_ID_Number": 4876876000000123457}');
    expect(n.recordId).toBe('7');
    expect(n.data.Student_ID_Number).toBe('4876876000000123457');
  });

  it('reads fractions, exponents and huge numbers as JSON.parse does, without failing', () => {
    const n = normalize(
      '{"record_id": "1", "data": {"Phone": 1e400, "City": 12.5, "Address": 1e21, "Country": -0, "Name": 0.12345678901234567890, "Gender": 4876876000000123457.0}}',
    );
    expect(n.data).toMatchObject({
      City: '12.5',
      Address: '1e+21',
      Country: '0',
      // Numbers with a fraction or exponent are read as JSON.parse reads them, rounding included.
      Name: '0.12345678901234568',
      Gender: '4876876000000124000',
    });
    expect(n.data.Phone).toBeUndefined();
    expect(n.warnings.join(' ')).toContain('Field Phone was ignored');
  });

  it('refuses an id that is a number too large to be exact (fraction or exponent) with inexact_number', () => {
    for (const literal of ['4876876000000123457.0', '4.876876000000123457e18', '1e300'])
      expect(() => normalize(`{"record_id": ${literal}}`)).toThrowError(
        expect.objectContaining({ code: 'inexact_number', status: 400 }),
      );
  });

  it('reads a huge integer literal as its digits, which MAX_FIELD_LENGTH then bounds', () => {
    const digits = '9'.repeat(10_001);
    expect(() => normalize(`{"record_id": "1", "data": {"Phone": ${digits}}}`)).toThrowError(
      expect.objectContaining({ code: 'field_too_long' }),
    );
    expect(() => normalize(`{"record_id": ${digits}}`)).toThrowError(
      expect.objectContaining({ code: 'invalid_record_id' }),
    );
  });

  it('keeps duplicate keys (the last wins), __proto__ as a plain key and the limits on the exact path', () => {
    const body = parseZohoBody(
      Buffer.from(
        '{"record_id": 4876876000000123457, "record_id": 4876876000000123458, "__proto__": {"polluted": 1}}',
      ),
      'application/json',
    );
    expect(body.fields.record_id).toBe('4876876000000123458');
    expect(Object.getPrototypeOf(body.fields)).toBe(Object.prototype);
    expect(Object.hasOwn(body.fields, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const deep = `{"record_id": 4876876000000123457, "data": ${'['.repeat(30)}${']'.repeat(30)}}`;
    expect(() => parseZohoBody(Buffer.from(deep), 'application/json')).toThrowError(
      expect.objectContaining({ code: 'json_too_deep' }),
    );
    const many = Array.from({ length: 201 }, (_, i) => `"k${i}": 1`).join(',');
    expect(() =>
      parseZohoBody(Buffer.from(`{"record_id": 4876876000000123457, ${many}}`), 'application/json'),
    ).toThrowError(expect.objectContaining({ code: 'too_many_fields' }));
  });

  it('refuses invalid JSON on the exact path with invalid_json', () => {
    for (const text of [
      '{"record_id": 4876876000000123457,}',
      '{"record_id": 04876876000000123457}',
      '{"record_id": 1, 4876876000000123457: 2}',
      '{4876876000000123457: 1}',
      '{"record_id": [1, 4876876000000123457 4876876000000123458]}',
      '{"record_id": 4876876000000123457x}',
    ])
      expect(() => parseZohoBody(Buffer.from(text), 'application/json')).toThrowError(
        expect.objectContaining({ code: 'invalid_json', status: 400 }),
      );
  });
});

/** Both parsers' outcome, for comparison: the value, or that it threw a SyntaxError. */
function outcome(parse: (text: string) => unknown, text: string): unknown {
  try {
    return { value: parse(text) };
  } catch (error) {
    return { error: error instanceof SyntaxError ? 'SyntaxError' : String(error) };
  }
}

/** lossless-json, a maintained exact parser, with the number rule parseJsonExact promises: the oracle. */
function parseWithLibrary(text: string): unknown {
  return parseLossless(text, null, {
    parseNumber: (source) => {
      const value = Number(source);
      return Number.isSafeInteger(value) || !/^-?\d+$/.test(source) ? value : source;
    },
    onDuplicateKey: ({ newValue }) => newValue,
  });
}

/** JSON-like text with long integers everywhere: values, keys, after signs, dots and exponents, broken or not. */
const tokenText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        ',',
        ':',
        ' ',
        '\n',
        '-',
        '.',
        'e',
        '+',
        '0',
        'true',
        'null',
        '"k"',
      ),
      fc.constantFrom('"a\\"', '"\\"12345678901234567"', '"x"', '\u00a0', '{"k":1,', '[1,', '{"k":[1,'),
      fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }).map(String),
      fc.bigInt({ min: 2n ** 53n - 3n, max: 2n ** 53n + 3n }).map(String),
    ),
    { maxLength: 14 },
  )
  .map((tokens) => tokens.join(''));

/** Valid JSON with long integers in every value position. */
const jsonWithBigIntegers = fc
  .letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
      fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v)),
      fc.array(tie('value'), { maxLength: 4 }).map((a) => `[${a.join(', ')}]`),
      fc
        .array(fc.tuple(fc.constantFrom('a', 'b', '__proto__', '12345678901234567'), tie('value')), {
          maxLength: 4,
        })
        .map((e) => `{${e.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    ),
  }))
  .value.map((text) => text as string);

describe('parseJsonExact', () => {
  it('gives what lossless-json gives with the same number rule, on valid JSON with big integers', () => {
    fc.assert(
      fc.property(jsonWithBigIntegers, (text) => {
        expect(outcome(parseJsonExact, text)).toEqual(outcome(parseWithLibrary, text));
      }),
      { numRuns: 3_000 },
    );
  });

  it('accepts and refuses what lossless-json does, and reads the same, on broken and odd texts', () => {
    fc.assert(
      fc.property(tokenText, (text) => {
        expect(outcome(parseJsonExact, text)).toEqual(outcome(parseWithLibrary, text));
      }),
      { numRuns: 10_000 },
    );
  });

  it('leaves a body without unsafe integers to JSON.parse as it is', () => {
    for (const text of ['{"a": 9007199254740991}', '[1.2345678901234567e300]', '{"12345678901234567": "x"}'])
      expect(parseJsonExact(text)).toEqual(JSON.parse(text));
  });

  it('gives what JSON.parse gives for any JSON text without integers beyond 2^53', () => {
    fc.assert(
      // Integers of 15 digits or fewer are always exact; longer digit runs are covered below.
      fc.property(
        fc.json({ maxDepth: 4 }).filter((text) => !/\d{16}/.test(text)),
        (text) => {
          expect(outcome(parseJsonExact, text)).toEqual(outcome(JSON.parse, text));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('accepts and refuses the same texts as JSON.parse', () => {
    const jsonish = fc.stringMatching(/^[\s{}[\]",:0-9eE.+\-tfnrulasx\\]{0,24}$/);
    fc.assert(
      fc.property(fc.oneof(jsonish, fc.string({ maxLength: 24 })), (text) => {
        const exact = outcome(parseJsonExact, text) as { error?: string };
        const plain = outcome(JSON.parse, text) as { error?: string };
        expect(exact.error).toBe(plain.error);
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps every integer beyond 2^53 as its digits and every other number as JSON.parse reads it', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), { maxLength: 8 }), (ints) => {
        const parsed = parseJsonExact(`[${ints.join(',')}]`) as unknown[];
        expect(parsed).toEqual(
          ints.map((n) => (n >= -(2n ** 53n - 1n) && n <= 2n ** 53n - 1n ? Number(n) : String(n))),
        );
      }),
    );
  });
});
