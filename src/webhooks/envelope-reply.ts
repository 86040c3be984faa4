import type { AppError } from '../errors.js';
import type { AppendResult, AppendStatus } from './create-event-appender.js';
import type { NormalizedDelivery } from './normalize-delivery.js';
import type { NormalizedEnvelope } from './normalize-envelope.js';

/** What one record of an envelope became: its entry of the answer's `results`. */
export type EnvelopeEntry = Record<string, unknown> & {
  record_id: string | null;
  event_id: string | null;
  status: 'queued' | 'duplicate' | 'failed' | 'refused';
};

/**
 * The reply an envelope record's event keeps: its own entry of the results, and the status of the whole
 * envelope (set once all its records are classified).
 */
export function envelopeRecordReply(
  result: Omit<AppendResult, 'reply'>,
  delivery: Pick<NormalizedDelivery, 'recordId' | 'envelope'>,
): AppendResult['reply'] {
  const base = { record_id: delivery.recordId, event_id: result.eventId };
  const index = delivery.envelope?.index;
  const body: EnvelopeEntry =
    result.status === 'rejected'
      ? {
          ...base,
          status: 'failed',
          index,
          error: 'invalid_operation',
          message: result.errorMessage,
        }
      : {
          ...base,
          status: result.status,
          index,
          event_type: result.eventType,
          ...(result.duplicateOf ? { duplicate_of: result.duplicateOf } : {}),
          ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
        };
  return { statusCode: 200, body };
}

/**
 * The HTTP status of an envelope whose stored records ended so: 200 once one record is queued or a duplicate
 * (the sender did nothing wrong for those), 422 when every one failed for an operation mzi does not know (as
 * a single delivery would), 400 when none could be taken at all.
 */
export function envelopeStatus(statuses: readonly AppendStatus[]): number {
  if (statuses.some((status) => status !== 'rejected')) return 200;
  return statuses.length > 0 ? 422 : 400;
}

/**
 * The answer to an envelope: `{"success", "delivery_id", "results": [{"record_id", "event_id", "status", …}]}`,
 * one result per record of `data`, in its order; with `error` and `message` when no record was taken.
 */
export function envelopeReply(
  envelope: NormalizedEnvelope,
  appended: readonly AppendResult[],
): { statusCode: number; body: Record<string, unknown> } {
  const stored = new Map<number, AppendResult>();
  let next = 0;
  for (const record of envelope.records)
    if (record.ok) stored.set(record.index, appended[next++] as AppendResult);
  const results = envelope.records.map((record) =>
    record.ok
      ? ((stored.get(record.index) as AppendResult).reply.body as EnvelopeEntry)
      : refusedEntry(record.index, record.recordId, record.error),
  );
  const statusCode = envelopeStatus(appended.map((result) => result.status));
  const failure =
    statusCode === 200
      ? {}
      : statusCode === 422
        ? { error: 'invalid_operation', message: appended[0]?.errorMessage }
        : {
            error: 'no_record_accepted',
            message: `None of the ${results.length} record(s) of "data" could be taken; each result says why. Fix them and send the envelope again.`,
          };
  return {
    statusCode,
    body: { success: statusCode === 200, ...failure, delivery_id: envelope.id, results },
  };
}

/** The entry of a record that was not stored: the code and message a single delivery would have got. */
function refusedEntry(index: number, recordId: string | undefined, error: AppError): EnvelopeEntry {
  return {
    record_id: recordId ?? null,
    event_id: null,
    status: 'refused',
    index,
    error: error.code,
    message: error.message,
    ...error.details,
  };
}
