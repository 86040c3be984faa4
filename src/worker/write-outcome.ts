import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { completeEvent } from '../event-log/complete-event.js';
import { failOrRetryEvent } from '../event-log/fail-or-retry-event.js';
import { ProcessingError } from '../event-log/processing-error.js';
import { decideOutcome, type OutcomeDecision } from './decide-outcome.js';
import type { HandlerResult } from './event-handler.js';
import type { FetchedRecord } from './fetch-records.js';
import { mergeWarnings } from './merge-warnings.js';
import { queueEventWriteBack } from './queue-event-write-back.js';
import { recordFetched } from './record-fetched.js';
import { WaitForRecord } from './wait-for-record.js';
import type { WorkerState } from './worker-state.js';
import { writeRecordWait } from './write-record-wait.js';

/**
 * Runs the outcome's local writes and records the attempt's outcome on the event (with the record read from
 * Zoho, if it was, and the write-back its completion queues), in the transaction `trx`; returns what it
 * recorded. Throws when the database fails (the caller decides what then).
 */
export async function writeOutcome(
  state: WorkerState,
  trx: Kysely<Database>,
  event: ClaimedEvent,
  result: HandlerResult | undefined,
  startedAt: Date,
  fetched?: FetchedRecord,
): Promise<OutcomeDecision> {
  const outcome = result?.ok ? result.outcome : undefined;
  let failure: unknown = result === undefined ? new Error('no result') : result.ok ? undefined : result.error;
  if (outcome?.apply) failure = await applyLocalWrites(trx, outcome.apply);
  if (fetched) await recordFetched(trx, { id: event.id, fetched, at: startedAt.toISOString() });
  const { dependencies } = state.options;
  if (failure instanceof WaitForRecord && dependencies)
    return writeRecordWait(trx, {
      event,
      wait: failure,
      dependencies,
      workerId: state.workerId,
      now: state.now,
    });
  const finished = state.now().toISOString();
  const decision = decideOutcome({ outcome, failure, event, finished, random: state.options.random });
  const attempt = {
    event_id: event.event_id,
    attempt: event.attempts,
    started_at: startedAt.toISOString(),
    finished_at: finished,
    worker_id: state.workerId,
  };
  if (decision.status === 'completed') {
    const writeBack = await queueEventWriteBack(trx, { zoho: state.options.zoho, event, fetched, finished });
    if (writeBack?.status === 'pending') state.writeBacks.queued = true;
    await completeEvent(trx, {
      id: event.id,
      workerId: state.workerId,
      finished,
      result: JSON.stringify(
        writeBack ? { ...decision.outcome.result, zoho_write_back: writeBack } : decision.outcome.result,
      ),
      // What could not be read of the fetched record is the operator's to know, as a delivery's warnings are.
      warnings: mergeWarnings(event.warnings, [
        ...(fetched?.warnings ?? []),
        ...(decision.outcome.warnings ?? []),
      ]),
      attempt: { ...attempt, outcome: 'completed', error_code: null, error_message: null },
    });
    return decision;
  }
  const retry = decision.status === 'pending';
  await failOrRetryEvent(trx, {
    id: event.id,
    workerId: state.workerId,
    retry,
    nextAttemptAt: decision.nextAttemptAt,
    claimedNextAttemptAt: event.next_attempt_at,
    errorCode: decision.code,
    errorMessage: decision.eventMessage,
    finished,
    attempt: {
      ...attempt,
      outcome: retry ? 'retry' : 'failed',
      error_code: decision.code,
      error_message: decision.message,
    },
  });
  return decision;
}

/**
 * Runs an outcome's local writes. A ProcessingError from them is a verdict on this event (e.g. a
 * Student_ID_Number taken meanwhile), returned; anything else is the database failing, which aborts the batch.
 */
async function applyLocalWrites(
  trx: Kysely<Database>,
  apply: (trx: Kysely<Database>) => Promise<void>,
): Promise<ProcessingError | undefined> {
  try {
    await apply(trx);
    return undefined;
  } catch (error) {
    if (!(error instanceof ProcessingError)) throw error;
    return error;
  }
}
