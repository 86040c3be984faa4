import type { Kysely } from 'kysely';
import { isDatabaseUnavailable } from '../db/connection-errors.js';
import type { Database, NewEventRow } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { appendEvents } from '../event-log/append-events.js';
import type { AppenderState, PendingAppend } from './appender-state.js';
import { recordWriteFailure } from './appender-state.js';
import { buildEventRow } from './build-event-row.js';
import { buildRowParts, type RowParts } from './build-row-parts.js';
import { classifyDelivery } from './classify-delivery.js';
import type { AppendResult } from './create-event-appender.js';
import { envelopeRecordReply, envelopeStatus } from './envelope-reply.js';
import { loadBatchContext } from './load-batch-context.js';
import { rememberEvent } from './remember-event.js';
import { webhookReply } from './webhook-reply.js';

/**
 * Writes `batch` in one transaction and settles each delivery's promise. Returns the error when the database
 * refused the batch as a whole (see isDatabaseUnavailable): the caller stops there.
 */
export async function writeBatch(state: AppenderState, batch: PendingAppend[]): Promise<Error | undefined> {
  try {
    const parts = batch.map((item) => item.deliveries.map((d) => buildRowParts(d, state.modules)));
    const results = await state.db.transaction().execute((trx) => appendBatch(state, trx, batch, parts));
    for (const [i, item] of batch.entries()) item.resolve(results[i] as AppendResult[]);
    state.writable = true;
    if (results.some((group) => group.some((r) => r.status === 'queued'))) state.onAppended?.();
    return undefined;
  } catch (error) {
    return await writeBatchFailed(state, batch, coerceError(error));
  }
}

/**
 * Classifies the batch's deliveries in arrival order, each seeing the log as it was plus the deliveries before
 * it, and appends their rows. Returns the results of each append of the batch.
 */
async function appendBatch(
  state: AppenderState,
  trx: Kysely<Database>,
  batch: readonly PendingAppend[],
  parts: readonly (readonly RowParts[])[],
): Promise<AppendResult[][]> {
  const deliveries = batch.flatMap((item) => item.deliveries.map((d) => d.normalized));
  await state.adapter.lockKeys(
    trx,
    deliveries.map((n) => `${n.module}:${n.recordId}`),
  );
  const known = await loadBatchContext(trx, state.lookups, deliveries, state.modules);
  const results: AppendResult[][] = [];
  const rows: NewEventRow[] = [];
  for (const [i, item] of batch.entries()) {
    const group: AppendResult[] = [];
    const groupRows: NewEventRow[] = [];
    for (const [j, delivery] of item.deliveries.entries()) {
      const rowParts = parts[i]?.[j] as RowParts;
      const at = state.now();
      const classification = classifyDelivery({
        delivery: delivery.normalized,
        contentHash: rowParts.contentHash,
        known,
        at,
        dedupWindowSeconds: state.dedupWindowSeconds,
      });
      const outcome = {
        eventId: rowParts.eventId,
        status: classification.status,
        eventType: classification.eventType,
        duplicateOf: classification.original?.event_id,
        warnings: classification.warnings,
        errorMessage: classification.errorMessage,
      };
      const reply = delivery.normalized.envelope
        ? envelopeRecordReply(outcome, delivery.normalized)
        : webhookReply(outcome);
      const row = buildEventRow({
        delivery,
        parts: rowParts,
        classification,
        reply,
        createdAt: at.toISOString(),
        maxAttempts: state.maxAttempts,
      });
      rememberEvent(known, row);
      group.push({ ...outcome, reply });
      groupRows.push(row);
    }
    settleEnvelopeStatus(item, group, groupRows);
    results.push(group);
    rows.push(...groupRows);
  }
  await appendEvents(trx, rows);
  return results;
}

/**
 * The records of an envelope share one answer: each event keeps its own entry of the results, with the HTTP
 * status of the whole, known once every record is classified (envelopeStatus).
 */
function settleEnvelopeStatus(item: PendingAppend, group: AppendResult[], rows: NewEventRow[]): void {
  if (item.deliveries[0]?.normalized.envelope === undefined) return;
  const statusCode = envelopeStatus(group.map((result) => result.status));
  for (const [i, result] of group.entries()) {
    result.reply = { ...result.reply, statusCode };
    (rows[i] as NewEventRow).response_status = statusCode;
  }
}

/**
 * A refused batch: when the database is unavailable, every waiting delivery fails now (its sender gets a 503 and
 * retries); otherwise one bad delivery must not fail the others, so they are written one by one.
 */
async function writeBatchFailed(
  state: AppenderState,
  batch: PendingAppend[],
  failure: Error,
): Promise<Error | undefined> {
  const unavailable = isDatabaseUnavailable(failure);
  if (batch.length === 1 || unavailable) {
    recordWriteFailure(state, failure);
    for (const item of batch) item.reject(failure);
    if (!unavailable) return undefined;
    // What queued meanwhile would wait for the same lock or space again, one batch after another: the
    // senders get their 503 now and retry.
    const waiting = state.queue;
    state.queue = [];
    for (const item of waiting) item.reject(failure);
    return failure;
  }
  // An envelope is written whole or not at all: its records are one item here.
  for (const [i, item] of batch.entries()) {
    const refused = await writeBatch(state, [item]);
    if (refused) {
      for (const rest of batch.slice(i + 1)) rest.reject(refused);
      return refused;
    }
  }
  return undefined;
}
