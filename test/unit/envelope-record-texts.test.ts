import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envelopeRecordTexts } from '../../src/webhooks/envelope-record-texts.js';

describe('envelopeRecordTexts', () => {
  it('gives each record of "data" exactly as it was written', () => {
    const text = `{ "operation": "update",
      "data" : [ {"id": 5725767000001234567, "Name": "A, [B] {C}"} ,
        {"id":"2","Note":"quote \\" and \\\\ ] ,"}, {"id":"3","Classes":{"id":"9","name":"x"},"Tags":[1,[2]]}],
      "info": {"more_records": false} }`;
    expect(envelopeRecordTexts(text)).toEqual([
      '{"id": 5725767000001234567, "Name": "A, [B] {C}"}',
      '{"id":"2","Note":"quote \\" and \\\\ ] ,"}',
      '{"id":"3","Classes":{"id":"9","name":"x"},"Tags":[1,[2]]}',
    ]);
  });

  it('reads only the top-level "data", the last one when it is given twice, as JSON.parse does', () => {
    expect(
      envelopeRecordTexts('{"x":{"data":[{"id":"0"}]},"data":[{"id":"1"}],"data":[{"id":"2"},{"id":"3"}]}'),
    ).toEqual(['{"id":"2"}', '{"id":"3"}']);
    expect(envelopeRecordTexts('{"da\\u0074a":[{"id":"1"}]}')).toEqual(['{"id":"1"}']);
    expect(envelopeRecordTexts('{"data":{"id":"1"}}')).toBeUndefined();
    expect(envelopeRecordTexts('{"data":[]}')).toEqual([]);
  });

  it('agrees with JSON.parse on any envelope', () => {
    const record = fc.dictionary(
      fc.string({ maxLength: 8 }),
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.integer(),
        fc.constant(null),
        fc.array(fc.string(), { maxLength: 3 }),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 6 }),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })),
        fc.constantFrom('', ' ', '\n  '),
        (records, extra, space) => {
          const text = JSON.stringify({ ...extra, data: records }, null, space || undefined);
          const texts = envelopeRecordTexts(text) ?? [];
          expect(texts.map((t) => JSON.parse(t))).toEqual(JSON.parse(text).data);
        },
      ),
    );
  });
});
