import { keyOf, type OriginalEvent } from './append-lookups.js';
import type { AppendStatus } from './create-event-appender.js';
import type { BatchContext } from './load-batch-context.js';
import { dedupKeyOf, type NormalizedDelivery } from './normalize-delivery.js';
import { ACCEPTED_OPERATION_SPELLINGS, type Operation } from './normalize-operation.js';

/** What intake makes of one delivery, given what the log held before it. */
export interface Classification {
  status: AppendStatus;
  /** The operation stored with the event: sent, inferred, the original's (a duplicate), or `invalid`. */
  eventType: string;
  operationSource: string | undefined;
  /** The earlier event this delivery repeats (status `duplicate`). */
  original: OriginalEvent | undefined;
  /** Why the event is stored as failed at once (status `rejected`). */
  errorMessage: string | undefined;
  /** The delivery's own warnings, plus one when the operation was inferred. */
  warnings: string[];
}

export interface ClassifyInput {
  delivery: NormalizedDelivery;
  /** `contentHash(delivery)`. */
  contentHash: string;
  known: BatchContext;
  /** When the delivery is stored: the start of its dedup window. */
  at: Date;
  dedupWindowSeconds: number;
}

/**
 * Queued, duplicate or rejected: dedup and operation inference for one delivery, from what the log and the
 * mirrors held (`known`, with the deliveries before it in the batch already remembered).
 */
export function classifyDelivery(input: ClassifyInput): Classification {
  const { delivery: n, known } = input;
  const warnings = [...n.warnings];
  const latest = known.latest.get(keyOf(n.module, n.recordId));

  // Dedup key rule (DESIGN.md §2): a resolved delivery id when there is one; otherwise the same content as
  // the latest accepted event of this record within the window (so A -> B -> A edits are not lost).
  let original: OriginalEvent | undefined;
  const dedupKey = dedupKeyOf(n);
  if (dedupKey !== undefined) {
    original = known.originals.get(keyOf(n.module, dedupKey));
  } else if (latest && latest.content_hash === input.contentHash && carriesContent(n)) {
    const cutoff = new Date(input.at.getTime() - input.dedupWindowSeconds * 1000).toISOString();
    if (latest.created_at >= cutoff) original = latest;
  }

  if (original) {
    return {
      status: 'duplicate',
      eventType: original.event_type,
      operationSource: n.operationSource,
      original,
      errorMessage: undefined,
      warnings,
    };
  }
  if (n.invalidOperation !== undefined) {
    return {
      status: 'rejected',
      eventType: 'invalid',
      operationSource: n.operationSource,
      original: undefined,
      errorMessage:
        `Operation "${n.invalidOperation}" is not allowed: use insert, update or delete ` +
        `(accepted spellings: ${ACCEPTED_OPERATION_SPELLINGS.join(', ')}) in ?operation= or the body's "operation".`,
      warnings,
    };
  }
  if (n.operation !== undefined) {
    return {
      status: 'queued',
      eventType: n.operation,
      operationSource: n.operationSource,
      original: undefined,
      errorMessage: undefined,
      warnings,
    };
  }
  const eventType = inferOperation(latest?.event_type, known.recordsLive.get(keyOf(n.module, n.recordId)));
  warnings.push(
    `No operation was sent; inferred "${eventType}" from what mzi knows of record ${n.recordId}. ` +
      'Give each Zoho webhook a fixed ?operation=insert|update|delete.',
  );
  return {
    status: 'queued',
    eventType,
    operationSource: 'inferred',
    original: undefined,
    errorMessage: undefined,
    warnings,
  };
}

/**
 * Whether equal content can mark a re-delivery: an insert or update that carries no field at all (a webhook that
 * sends only the id, for ZOHO_FETCH_RECORDS) says nothing of the change, so two of them are two changes.
 */
function carriesContent(delivery: NormalizedDelivery): boolean {
  return delivery.operation === 'delete' || Object.keys(delivery.data).length > 0;
}

/** Without an explicit operation: a record we know and have not seen deleted is an update; otherwise an insert. */
export function inferOperation(
  latestEventType: string | undefined,
  recordLive: boolean | undefined,
): Operation {
  if (latestEventType !== undefined) return latestEventType === 'delete' ? 'insert' : 'update';
  return recordLive === true ? 'update' : 'insert';
}
