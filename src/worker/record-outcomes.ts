import { isDatabaseUnavailable } from '../db/connection-errors.js';
import type { ClaimedEvent } from '../db/schema.js';
import type { OutcomeDecision } from './decide-outcome.js';
import type { HandlerResult } from './event-handler.js';
import type { FetchedRecord } from './fetch-records.js';
import { logOutcome } from './log-outcome.js';
import { createOutageRewrite } from './outage-rewrite.js';
import { refusedOutcome } from './refused-outcome.js';
import type { WorkerState } from './worker-state.js';
import { writeChunk } from './write-chunk.js';
import { writeOutcome } from './write-outcome.js';

/** The outcomes of one batch, to write. */
interface BatchOutcomes {
  events: ClaimedEvent[];
  results: Map<ClaimedEvent, HandlerResult>;
  startedAt: Date;
  /** The records read from Zoho, kept on their events. */
  fetched?: Map<ClaimedEvent, FetchedRecord>;
}

/**
 * Writes every outcome of a batch in one transaction (one commit, one fsync, for the batch). Should the
 * database refuse it, each event is written on its own, so one bad write cannot lose the others; an event
 * whose outcome could not be written at all comes back when its lease ends.
 */
export async function recordOutcomes(state: WorkerState, batch: BatchOutcomes): Promise<void> {
  /** In order: the events before `written.length` are committed. */
  const written: Array<[ClaimedEvent, OutcomeDecision]> = [];
  try {
    await writeInChunks(state, batch, written);
  } catch (batchError) {
    state.logger.warn(
      { err: batchError, events: batch.events.length - written.length },
      'could not write a batch of outcomes; writing them one by one',
    );
    await writeOneByOne(state, batch, written);
  }
  for (const [event, decision] of written) logOutcome(state, event, decision);
}

/**
 * Commits the outcomes in as few transactions as intake allows (see WorkerOptions.intakeWaiting), adding each
 * committed chunk to `written`; while the database is away, writes a chunk again (see outage-rewrite.ts).
 */
async function writeInChunks(
  state: WorkerState,
  { events, results, startedAt, fetched }: BatchOutcomes,
  written: Array<[ClaimedEvent, OutcomeDecision]>,
): Promise<void> {
  const rewrite = createOutageRewrite(state);
  const intakeWaiting = () => state.options.intakeWaiting?.() ?? false;
  while (written.length < events.length) {
    let chunk: Array<[ClaimedEvent, OutcomeDecision]>;
    try {
      chunk = await state.db
        .transaction()
        .execute((trx) =>
          writeChunk(
            events,
            written.length,
            (event) => writeOutcome(state, trx, event, results.get(event), startedAt, fetched?.get(event)),
            intakeWaiting,
          ),
        );
    } catch (error) {
      if (!(await rewrite.waitBeforeAgain(error))) throw error;
      continue;
    }
    written.push(...chunk);
  }
}

/** Writes each outcome not yet committed in a transaction of its own, adding it to `written`. */
async function writeOneByOne(
  state: WorkerState,
  { events, results, startedAt, fetched }: BatchOutcomes,
  written: Array<[ClaimedEvent, OutcomeDecision]>,
): Promise<void> {
  for (const event of events.slice(written.length)) {
    try {
      const outcome = results.get(event);
      written.push([event, await writeAlone(state, event, outcome, startedAt, fetched?.get(event))]);
    } catch (error) {
      state.logger.error({ err: error, eventId: event.event_id }, 'could not record the outcome of an event');
      // Still away (locked, full, unreachable): each further event would wait as long. Their leases end and
      // they are processed again (handlers are idempotent), as after a crash.
      if (isDatabaseUnavailable(error)) break;
    }
  }
}

/** Writes one event's outcome; if the database refuses it, writes what refusedOutcome says instead. */
async function writeAlone(
  state: WorkerState,
  event: ClaimedEvent,
  result: HandlerResult | undefined,
  startedAt: Date,
  fetched: FetchedRecord | undefined,
): Promise<OutcomeDecision> {
  const write = (outcome: HandlerResult | undefined) =>
    state.db.transaction().execute((trx) => writeOutcome(state, trx, event, outcome, startedAt, fetched));
  try {
    return await write(result);
  } catch (error) {
    return await write(refusedOutcome(error));
  }
}
