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
import { loadBatchContext } from './load-batch-context.js';
import { rememberEvent } from './remember-event.js';
import { webhookReply } from './webhook-reply.js';

/**
 * Writes `batch` in one transaction and settles each delivery's promise. Returns the error when the database
 * refused the batch as a whole (see isDatabaseUnavailable): the caller stops there.
 */
export async function writeBatch(state: AppenderState, batch: PendingAppend[]): Promise<Error | undefined> {
  try {
    const parts = batch.map((item) => buildRowParts(item.delivery, state.modules));
    const results = await state.db.transaction().execute((trx) => appendBatch(state, trx, batch, parts));
    for (const [i, item] of batch.entries()) item.resolve(results[i] as AppendResult);
    state.writable = true;
    if (results.some((r) => r.status === 'queued')) state.onAppended?.();
    return undefined;
  } catch (error) {
    return await writeBatchFailed(state, batch, coerceError(error));
  }
}

/**
 * Classifies the batch's deliveries in arrival order, each seeing the log as it was plus the deliveries before
 * it, and appends their rows.
 */
async function appendBatch(
  state: AppenderState,
  trx: Kysely<Database>,
  batch: readonly PendingAppend[],
  parts: readonly RowParts[],
): Promise<AppendResult[]> {
  const deliveries = batch.map((item) => item.delivery.normalized);
  await state.adapter.lockKeys(
    trx,
    deliveries.map((n) => `${n.module}:${n.recordId}`),
  );
  const known = await loadBatchContext(trx, state.lookups, deliveries, state.modules);
  const results: AppendResult[] = [];
  const rows: NewEventRow[] = [];
  for (const [i, item] of batch.entries()) {
    const rowParts = parts[i] as RowParts;
    const at = state.now();
    const classification = classifyDelivery({
      delivery: item.delivery.normalized,
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
    const reply = webhookReply(outcome);
    const row = buildEventRow({
      delivery: item.delivery,
      parts: rowParts,
      classification,
      reply,
      createdAt: at.toISOString(),
      maxAttempts: state.maxAttempts,
    });
    rememberEvent(known, row);
    results.push({ ...outcome, reply });
    rows.push(row);
  }
  await appendEvents(trx, rows);
  return results;
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
  for (const [i, item] of batch.entries()) {
    const refused = await writeBatch(state, [item]);
    if (refused) {
      for (const rest of batch.slice(i + 1)) rest.reject(refused);
      return refused;
    }
  }
  return undefined;
}
