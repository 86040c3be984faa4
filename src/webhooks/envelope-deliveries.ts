import type { IncomingDelivery } from './create-event-appender.js';
import { envelopeRecordTexts } from './envelope-record-texts.js';
import type { NormalizedEnvelope } from './normalize-envelope.js';
import type { ParsedBody } from './parse-zoho-body.js';

/**
 * The deliveries to append for the records of an envelope that could be read, in their order. Each keeps its
 * own record as the sender wrote it as its raw body, not the whole envelope once per record; the request's
 * headers and details are shared.
 */
export function envelopeDeliveries(options: {
  envelope: NormalizedEnvelope;
  body: ParsedBody;
  rawText: string;
  received: Omit<IncomingDelivery, 'normalized' | 'rawBody'>;
}): IncomingDelivery[] {
  const { envelope, received } = options;
  const records = options.body.fields.data as unknown[];
  const texts = envelopeRecordTexts(options.rawText);
  const textOf = (index: number) =>
    texts?.length === records.length ? (texts[index] as string) : JSON.stringify(records[index]);
  return envelope.records.flatMap((record) =>
    record.ok ? [{ ...received, normalized: record.delivery, rawBody: textOf(record.index) }] : [],
  );
}
