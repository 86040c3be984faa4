import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/connection-errors.js';
import { dialectAdapter } from '../db/dialect-adapter.js';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { claimEvents } from '../event-log/claim-events.js';
import { completeEvent } from '../event-log/complete-event.js';
import { failOrRetryEvent } from '../event-log/fail-or-retry-event.js';
import { ProcessingError } from '../event-log/processing-error.js';
import { purgeEvents } from '../event-log/purge-events.js';
import { releaseExpiredLeases } from '../event-log/release-expired-leases.js';
import { hasAttemptsLeft, retryDelayMs, shouldRetry } from '../event-log/retry-policy.js';
import type { BatchEventHandler, EventHandler, HandlerOutcome, HandlerResult } from './event-handler.js';
import { type Dependencies, processAfterDependencies } from './wait-for-dependencies.js';

export interface WorkerOptions {
  db: Kysely<Database>;
  logger: Logger;
  /** Handlers by Zoho module name. */
  handlers: Record<string, EventHandler | BatchEventHandler>;
  /** What events wait for before they run (records of other modules); none without it. */
  dependencies?: Dependencies;
  /** Batches processed at once. */
  concurrency: number;
  /** Most events claimed and committed together (their outcomes share one transaction). */
  batchSize?: number;
  pollIntervalMs: number;
  /**
   * How long new events may gather before they are claimed, after a wake-up or a claim that found less than a
   * full batch (0: at once; a full batch is followed by the next claim at once, and `drain` never waits).
   * Each transaction has a fixed cost, and on SQLite it holds the one write lock that intake needs: a steady
   * trickle claimed event by event costs more than the same events in batches.
   */
  lingerMs?: number;
  leaseSeconds: number;
  /** Completed and duplicate events older than this are purged now and then; 0 keeps them. */
  retentionDays?: number;
  /** Give back every claimed event at start (SQLite: this process is the only worker). */
  releaseAllOnStart: boolean;
  /**
   * SQLite: whether intake waits for the write lock that the worker's transaction holds. The outcomes of a batch
   * are then committed in shorter transactions, so a delivery waits for one event's writes, not a batch's.
   */
  intakeWaiting?: () => boolean;
  workerId?: string;
  /** Told of every recorded attempt (metrics). */
  onAttempt?: (
    event: ClaimedEvent,
    outcome: 'completed' | 'retry' | 'failed',
    errorCode: string | undefined,
  ) => void;
  now?: () => Date;
  random?: () => number;
}

export interface WorkerState {
  status: 'running' | 'stopped';
  worker_id: string;
  in_flight: number;
  processed: number;
  last_poll_at: string | null;
  last_error: string | null;
}

export interface Worker {
  start(): Promise<void>;
  /** Stops claiming; waits up to `timeoutMs` for events in flight. Unfinished ones come back after their lease. */
  stop(timeoutMs?: number): Promise<void>;
  /** New events were appended: look now rather than at the next poll. */
  wake(): void;
  /** Processes until nothing is due and nothing is in flight (tests, `mzi events retry --wait`). */
  drain(): Promise<void>;
  state(): WorkerState;
}

const RETENTION_EVERY_MS = 10 * 60_000;

/** The background worker: claim → dispatch to the module's handler → record the outcome (STYLE.md, graphile-worker). */
export function createWorker(options: WorkerOptions): Worker {
  const { db, logger } = options;
  const now = options.now ?? (() => new Date());
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const batchSize = options.batchSize ?? 32;
  const lingerMs = options.lingerMs ?? 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  /** Batches being processed. */
  const inFlight = new Set<Promise<void>>();
  let running = false;
  /** stop() was called: outcomes are not written again after an outage (see outageRewrite). */
  let stopping = false;
  let pumping = false;
  /** Claims under way: their events are not in `inFlight` yet, but they are this worker's. */
  let claiming = 0;
  let wakeRequested = false;
  let timer: NodeJS.Timeout | undefined;
  let processed = 0;
  let lastPollAt: string | null = null;
  let lastError: string | null = null;

  async function claimAndStart(): Promise<number> {
    if (inFlight.size + claiming >= options.concurrency) return 0;
    claiming += 1;
    let events: ClaimedEvent[];
    try {
      events = await claimEvents(db, {
        workerId,
        limit: batchSize,
        leaseSeconds: options.leaseSeconds,
        now: now(),
      });
    } finally {
      claiming -= 1;
    }
    if (events.length === 0) return 0;
    const context = { db, logger, workerId, now, dependencies: options.dependencies };
    const task: Promise<void> = processAfterDependencies(events, context, processBatch).finally(() => {
      inFlight.delete(task);
      pumpSoon();
    });
    inFlight.add(task);
    return events.length;
  }

  async function pump(): Promise<void> {
    if (pumping) {
      wakeRequested = true;
      return;
    }
    pumping = true;
    try {
      do {
        wakeRequested = false;
        // Keep claiming while there is work and room; after a partial batch, let the next one gather.
        while (running) {
          const claimed = await claimAndStart();
          if (claimed === 0) break;
          if (claimed < batchSize && lingerMs > 0) {
            pumpSoon();
            break;
          }
        }
      } while (running && wakeRequested);
      lastError = null;
    } catch (error) {
      lastError = coerceError(error).message;
      logger.error({ err: error }, 'worker could not claim events; will try again at the next poll');
    } finally {
      pumping = false;
    }
  }

  /** Claims after `lingerMs` (at once without it); calls in between share that one claim. */
  function pumpSoon(): void {
    if (!running) return;
    if (lingerMs <= 0) {
      void pump();
      return;
    }
    lingerTimer ??= setTimeout(() => {
      lingerTimer = undefined;
      void pump();
    }, lingerMs);
  }

  async function tick(): Promise<void> {
    lastPollAt = now().toISOString();
    try {
      const released = await releaseExpiredLeases(db, { now: now(), all: false });
      if (released > 0) logger.warn({ released }, 'took back events whose worker lease expired');
      await dialectAdapter(db).foldEventCounts(db);
      await applyRetention();
    } catch (error) {
      logger.error({ err: error }, 'worker housekeeping failed (expired leases, counts); will try again');
    }
    await pump();
    if (running) timer = setTimeout(() => void tick(), options.pollIntervalMs).unref();
  }

  let lastRetentionAt = 0;
  /** At most every 10 minutes, a bounded number of batches: a large backlog is spread over several runs. */
  async function applyRetention(): Promise<void> {
    const days = options.retentionDays ?? 0;
    const at = now().getTime();
    if (days <= 0 || at - lastRetentionAt < RETENTION_EVERY_MS) return;
    lastRetentionAt = at;
    const purged = await purgeEvents(db, {
      before: new Date(at - days * 86_400_000),
      statuses: ['completed', 'duplicate'],
      maxBatches: 20,
    });
    if (purged > 0) logger.info({ purged, retentionDays: days }, 'purged old completed and duplicate events');
  }

  async function processBatch(events: ClaimedEvent[]): Promise<void> {
    const startedAt = now();
    const results = new Map<ClaimedEvent, HandlerResult>();
    const byModule = new Map<string, ClaimedEvent[]>();
    for (const event of events) byModule.set(event.module, [...(byModule.get(event.module) ?? []), event]);
    for (const [module, group] of byModule) {
      const handler = options.handlers[module];
      try {
        if (!handler)
          throw new ProcessingError('worker.unknown_module', `mzi has no handler for module ${module}.`);
        const out = await runHandler(handler, group, startedAt);
        group.forEach((event, i) => {
          results.set(
            event,
            out[i] ?? { ok: false, error: new Error('the handler returned no result for this event') },
          );
        });
      } catch (error) {
        for (const event of group) results.set(event, { ok: false, error });
      }
    }
    await recordOutcomes(events, results, startedAt);
  }

  async function runHandler(
    handler: EventHandler | BatchEventHandler,
    events: ClaimedEvent[],
    startedAt: Date,
  ): Promise<HandlerResult[]> {
    if ('handleBatch' in handler) return handler.handleBatch(events, { db, logger, now: startedAt });
    return Promise.all(
      events.map((event) =>
        handler(event, { db, logger: logFor(event), now: startedAt }).then(
          (outcome): HandlerResult => ({ ok: true, outcome }),
          (error: unknown): HandlerResult => ({ ok: false, error }),
        ),
      ),
    );
  }

  /**
   * Writes every outcome of a batch in one transaction (one commit, one fsync, for the batch). Should the
   * database refuse it, each event is written on its own, so one bad write cannot lose the others; an event
   * whose outcome could not be written at all comes back when its lease ends.
   */
  async function recordOutcomes(
    events: ClaimedEvent[],
    results: Map<ClaimedEvent, HandlerResult>,
    startedAt: Date,
  ) {
    const written: Array<[ClaimedEvent, Written]> = [];
    /** Events before this one are committed. */
    let committed = 0;
    const rewrite = outageRewrite();
    try {
      while (committed < events.length) {
        const chunk: Array<[ClaimedEvent, Written]> = [];
        try {
          await db.transaction().execute(async (trx) => {
            let i = committed;
            do {
              const event = events[i++] as ClaimedEvent;
              chunk.push([event, await writeOutcome(trx, event, results.get(event), startedAt)]);
            } while (i < events.length && !options.intakeWaiting?.());
          });
        } catch (error) {
          if (!(await rewrite.waitBeforeAgain(error))) throw error;
          continue;
        }
        written.push(...chunk);
        committed += chunk.length;
      }
    } catch (batchError) {
      logger.warn(
        { err: batchError, events: events.length - committed },
        'could not write a batch of outcomes; writing them one by one',
      );
      for (const event of events.slice(committed)) {
        try {
          const one = await db
            .transaction()
            .execute((trx) => writeOutcome(trx, event, results.get(event), startedAt));
          written.push([event, one]);
        } catch (error) {
          // The database refuses this event's result (e.g. a value longer than its column): fail the event,
          // saying so, rather than leaving it to come back after its lease and block its record. A database that
          // is away says nothing about the event: it goes back to pending, to be processed again.
          const outcome: HandlerResult = isDatabaseUnavailable(error)
            ? { ok: false, error }
            : {
                ok: false,
                error: new ProcessingError(
                  'worker.outcome_unwritable',
                  `The database refused this event's result (${databaseReason(error)}); correct the record in Zoho and send it again.`,
                ),
              };
          try {
            const one = await db.transaction().execute((trx) => writeOutcome(trx, event, outcome, startedAt));
            written.push([event, one]);
          } catch (again) {
            logger.error({ err: again, eventId: event.event_id }, 'could not record the outcome of an event');
            // Still away (locked, full, unreachable): each further event would wait as long. Their leases end
            // and they are processed again (handlers are idempotent), as after a crash.
            if (isDatabaseUnavailable(again)) break;
          }
        }
      }
    }
    for (const [event, outcome] of written) logOutcome(event, outcome);
  }

  /**
   * While the database is away (a restart, a failover), outcomes already worked out (a Moodle account made) are
   * written again after growing waits, for up to half the lease, rather than dropped: dropped, their events
   * would be processed again, and one on its last attempt would fail as interrupted. Not while stopping.
   */
  function outageRewrite() {
    const deadline = Date.now() + (options.leaseSeconds * 1000) / 2;
    let waitMs = 250;
    return {
      async waitBeforeAgain(error: unknown): Promise<boolean> {
        if (stopping || !isDatabaseUnavailable(error) || Date.now() + waitMs > deadline) return false;
        logger.warn(
          { err: error, retryInMs: waitMs },
          'the database is unavailable; writing the outcomes again',
        );
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        waitMs = Math.min(waitMs * 2, 5000);
        return true;
      },
    };
  }

  interface Written {
    status: 'completed' | 'pending' | 'failed';
    code?: string;
    error?: Error;
    nextAttemptAt?: string;
  }

  async function writeOutcome(
    trx: Kysely<Database>,
    event: ClaimedEvent,
    result: HandlerResult | undefined,
    startedAt: Date,
  ): Promise<Written> {
    let failure: unknown =
      result === undefined ? new Error('no result') : result.ok ? undefined : result.error;
    const outcome: HandlerOutcome | undefined = result?.ok ? result.outcome : undefined;
    if (outcome?.apply) {
      try {
        await outcome.apply(trx);
      } catch (error) {
        // A ProcessingError from apply is a verdict on this event (e.g. a Student_ID_Number taken meanwhile);
        // anything else is the database failing, which aborts the batch.
        if (!(error instanceof ProcessingError)) throw error;
        failure = error;
      }
    }
    const finished = now().toISOString();
    if (failure === undefined && outcome) {
      await completeEvent(trx, {
        id: event.id,
        workerId,
        finished,
        result: JSON.stringify(outcome.result),
        warnings: mergeWarnings(event.warnings, outcome.warnings),
        attempt: attemptRow(event, startedAt, finished, 'completed', undefined),
      });
      return { status: 'completed' };
    }
    const error = coerceError(failure);
    // The database going away mid-event (restart, failover) is no verdict on the event: it is tried again
    // whatever attempts it has used, and never fails for it.
    // A ProcessingError is a verdict on the event (a Moodle network error among them), never the database lost.
    const databaseLost = !(error instanceof ProcessingError) && isDatabaseUnavailable(error);
    const retry = databaseLost || (shouldRetry(error) && hasAttemptsLeft(event.attempts, event.max_attempts));
    const code =
      error instanceof ProcessingError
        ? error.code
        : databaseLost
          ? 'worker.database_unavailable'
          : 'worker.unexpected';
    const message =
      error instanceof ProcessingError
        ? error.message
        : databaseLost
          ? `The database was unavailable while processing (${databaseReason(error)}); mzi tries again by itself.`
          : `Unexpected error while processing: ${error.message}`;
    const nextAttemptAt = new Date(
      Date.parse(finished) + retryDelayMs(event.attempts, options.random),
    ).toISOString();
    await failOrRetryEvent(trx, {
      id: event.id,
      workerId,
      retry,
      nextAttemptAt,
      claimedNextAttemptAt: event.next_attempt_at,
      errorCode: code,
      errorMessage: retry
        ? `${message} (attempt ${event.attempts} of ${event.max_attempts}; will retry)`
        : message,
      finished,
      attempt: attemptRow(event, startedAt, finished, retry ? 'retry' : 'failed', { code, message }),
    });
    return { status: retry ? 'pending' : 'failed', code, error, nextAttemptAt };
  }

  function logFor(event: ClaimedEvent): Logger {
    return logger.child({ eventId: event.event_id, recordId: event.record_id, attempt: event.attempts });
  }

  function logOutcome(event: ClaimedEvent, written: Written): void {
    options.onAttempt?.(event, written.status === 'pending' ? 'retry' : written.status, written.code);
    const fields = { module: event.module, eventType: event.event_type, status: written.status };
    if (written.status === 'completed') {
      processed += 1;
      // A child logger per event costs more than the rest of this function: only when the line is written.
      if (logger.isLevelEnabled('debug')) logFor(event).debug(fields, 'event processed');
      return;
    }
    const log = logFor(event);
    if (written.status === 'pending') {
      log.warn(
        { ...fields, errorCode: written.code, nextAttemptAt: written.nextAttemptAt },
        'event failed for a passing reason; will retry',
      );
    } else if (written.code === 'worker.unexpected') {
      log.error({ ...fields, errorCode: written.code, err: written.error }, 'event failed');
    } else {
      log.warn({ ...fields, errorCode: written.code }, 'event failed');
    }
  }

  function attemptRow(
    event: ClaimedEvent,
    startedAt: Date,
    finishedAt: string,
    outcome: string,
    error: { code: string; message: string } | undefined,
  ) {
    return {
      event_id: event.event_id,
      attempt: event.attempts,
      started_at: startedAt.toISOString(),
      finished_at: finishedAt,
      outcome,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
      worker_id: workerId,
    };
  }

  return {
    async start() {
      if (running) return;
      const released = await releaseExpiredLeases(db, { now: now(), all: options.releaseAllOnStart });
      if (released > 0) logger.warn({ released }, 'took back events left in processing by a previous run');
      running = true;
      stopping = false;
      void tick();
    },
    async stop(timeoutMs = 10_000) {
      running = false;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (lingerTimer) clearTimeout(lingerTimer);
      lingerTimer = undefined;
      const settled = (async () => {
        while (claiming > 0) await new Promise((resolve) => setImmediate(resolve));
        await Promise.allSettled([...inFlight]);
      })();
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
    wake() {
      pumpSoon();
    },
    async drain() {
      for (;;) {
        await Promise.allSettled([...inFlight]);
        while (claiming > 0) await new Promise((resolve) => setImmediate(resolve));
        const started = await claimAndStart();
        if (started === 0 && inFlight.size === 0 && claiming === 0) return;
      }
    },
    state() {
      return {
        status: running ? 'running' : 'stopped',
        worker_id: workerId,
        in_flight: inFlight.size,
        processed,
        last_poll_at: lastPollAt,
        last_error: lastError,
      };
    },
  };
}

/** Adds a handler's warnings to those recorded at intake, once each (a retried event may repeat them). */
function mergeWarnings(stored: string | null, added: string[] | undefined): string | null {
  if (!added || added.length === 0) return stored;
  let existing: string[] = [];
  try {
    existing = stored ? (JSON.parse(stored) as string[]) : [];
  } catch {
    existing = [];
  }
  return JSON.stringify([...new Set([...existing, ...added])]);
}

/** A database error in a few words, without the values it may quote (PostgreSQL's detail holds row data). */
function databaseReason(error: unknown): string {
  const code =
    error && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message =
    error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 160) : 'unknown error';
  return code ? `${code}: ${message}` : message;
}
