import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { foldEventCounts } from '../db/dialect.js';
import type { Database, EventRow } from '../db/schema.js';
import { coerceError } from '../errors.js';
import { purgeEvents } from '../event-log/event-store.js';
import { ProcessingError } from '../event-log/processing-error.js';
import { hasAttemptsLeft, retryDelayMs, shouldRetry } from '../event-log/retry-policy.js';
import { claimEvents, releaseExpiredLeases } from './claim-events.js';
import type { EventHandler } from './event-handler.js';

export interface WorkerOptions {
  db: Kysely<Database>;
  logger: Logger;
  /** Handlers by Zoho module name. */
  handlers: Record<string, EventHandler>;
  concurrency: number;
  pollIntervalMs: number;
  leaseSeconds: number;
  /** Completed and duplicate events older than this are purged now and then; 0 keeps them. */
  retentionDays?: number;
  /** Give back every claimed event at start (SQLite: this process is the only worker). */
  releaseAllOnStart: boolean;
  workerId?: string;
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
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let pumping = false;
  /** Claims under way: their events are not in `inFlight` yet, but they are this worker's. */
  let claiming = 0;
  let wakeRequested = false;
  let timer: NodeJS.Timeout | undefined;
  let processed = 0;
  let lastPollAt: string | null = null;
  let lastError: string | null = null;

  async function claimAndStart(): Promise<number> {
    const free = options.concurrency - inFlight.size;
    if (free <= 0) return 0;
    claiming += 1;
    let events: EventRow[];
    try {
      events = await claimEvents(db, {
        workerId,
        limit: free,
        leaseSeconds: options.leaseSeconds,
        now: now(),
      });
    } finally {
      claiming -= 1;
    }
    for (const event of events) {
      const task: Promise<void> = processEvent(event).finally(() => {
        inFlight.delete(task);
        if (running) void pump();
      });
      inFlight.add(task);
    }
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
        while (running && (await claimAndStart()) > 0) {
          /* keep claiming while there is work and room */
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

  async function tick(): Promise<void> {
    lastPollAt = now().toISOString();
    try {
      const released = await releaseExpiredLeases(db, { now: now(), all: false });
      if (released > 0) logger.warn({ released }, 'took back events whose worker lease expired');
      await foldEventCounts(db);
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

  async function processEvent(event: EventRow): Promise<void> {
    const startedAt = now();
    const log = logger.child({ eventId: event.event_id, recordId: event.record_id, attempt: event.attempts });
    const handler = options.handlers[event.module];
    try {
      if (!handler) {
        throw new ProcessingError('worker.unknown_module', `mzi has no handler for module ${event.module}.`);
      }
      const outcome = await handler(event, { db, logger: log, now: startedAt });
      await db.transaction().execute(async (trx) => {
        if (outcome.apply) await outcome.apply(trx);
        const finishedAt = now().toISOString();
        await trx
          .updateTable('integration_events_log')
          .set({
            status: 'completed',
            processed_at: finishedAt,
            updated_at: finishedAt,
            result: JSON.stringify(outcome.result),
            warnings: mergeWarnings(event.warnings, outcome.warnings),
            error_message: null,
            error_code: null,
            locked_by: null,
            locked_until: null,
          })
          .where('id', '=', event.id)
          .where('locked_by', '=', workerId)
          .execute();
        await trx
          .insertInto('event_attempts')
          .values(attemptRow(event, startedAt, finishedAt, 'completed', undefined))
          .execute();
      });
      processed += 1;
      log.info({ module: event.module, eventType: event.event_type, status: 'completed' }, 'event processed');
    } catch (raw) {
      await recordFailure(event, startedAt, raw, log);
    }
  }

  async function recordFailure(event: EventRow, startedAt: Date, raw: unknown, log: Logger): Promise<void> {
    const error = coerceError(raw);
    const retry = shouldRetry(error) && hasAttemptsLeft(event.attempts, event.max_attempts);
    const code = error instanceof ProcessingError ? error.code : 'worker.unexpected';
    const message =
      error instanceof ProcessingError
        ? error.message
        : `Unexpected error while processing: ${error.message}`;
    const finishedAt = now();
    const finished = finishedAt.toISOString();
    const nextAttemptAt = new Date(
      finishedAt.getTime() + retryDelayMs(event.attempts, options.random),
    ).toISOString();
    try {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('integration_events_log')
          .set({
            status: retry ? 'pending' : 'failed',
            error_message: retry
              ? `${message} (attempt ${event.attempts} of ${event.max_attempts}; will retry)`
              : message,
            error_code: code,
            processed_at: retry ? null : finished,
            next_attempt_at: retry ? nextAttemptAt : event.next_attempt_at,
            updated_at: finished,
            locked_by: null,
            locked_until: null,
          })
          .where('id', '=', event.id)
          .where('locked_by', '=', workerId)
          .execute();
        await trx
          .insertInto('event_attempts')
          .values(attemptRow(event, startedAt, finished, retry ? 'retry' : 'failed', { code, message }))
          .execute();
      });
    } catch (dbError) {
      // The lease will expire and the event will be taken back: nothing is lost.
      logger.error({ err: dbError, eventId: event.event_id }, 'could not record the outcome of an event');
      return;
    }
    const fields = { module: event.module, eventType: event.event_type, errorCode: code };
    if (retry)
      log.warn(
        { ...fields, status: 'pending', nextAttemptAt },
        'event failed for a passing reason; will retry',
      );
    else if (code === 'worker.unexpected')
      log.error({ ...fields, err: error, status: 'failed' }, 'event failed');
    else log.warn({ ...fields, status: 'failed' }, 'event failed');
  }

  function attemptRow(
    event: EventRow,
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
      void tick();
    },
    async stop(timeoutMs = 10_000) {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const settled = (async () => {
        while (claiming > 0) await new Promise((resolve) => setImmediate(resolve));
        await Promise.allSettled([...inFlight]);
      })();
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
    wake() {
      if (running) void pump();
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
