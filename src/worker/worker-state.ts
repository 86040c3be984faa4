import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ClaimedEvent, Database } from '../db/schema.js';
import type { WorkerOptions } from './create-worker.js';
import type { WorkerStatus } from './event-worker.js';

/** Everything one worker knows and changes while it runs; the worker's verbs are functions over it. */
export interface WorkerState {
  readonly options: WorkerOptions;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly workerId: string;
  readonly batchSize: number;
  readonly lingerMs: number;
  /** Batches being processed. */
  readonly inFlight: Set<Promise<void>>;
  running: boolean;
  /** stop() was called: outcomes are not written again after an outage (see outage-rewrite.ts). */
  stopping: boolean;
  pumping: boolean;
  /** Claims under way: their events are not in `inFlight` yet, but they are this worker's. */
  claiming: number;
  wakeRequested: boolean;
  pollTimer: NodeJS.Timeout | undefined;
  lingerTimer: NodeJS.Timeout | undefined;
  processed: number;
  /** Batches finished so far: a drain claims again when one finished while its claim ran. */
  batchesDone: number;
  lastPollAt: string | null;
  lastError: string | null;
  lastRetentionAt: number;
  /**
   * The write-back flush (flush-write-backs.ts): the one under way, whether it was asked for again meanwhile,
   * and whether an event queued a write-back since the last one started.
   */
  writeBacks: { running: Promise<void> | undefined; again: boolean; queued: boolean };
}

/** A stopped worker with the options' defaults filled in. */
export function createWorkerState(options: WorkerOptions): WorkerState {
  return {
    options,
    db: options.db,
    logger: options.logger,
    now: options.now ?? (() => new Date()),
    workerId: options.workerId ?? `${hostname()}:${process.pid}`,
    batchSize: options.batchSize ?? 32,
    lingerMs: options.lingerMs ?? 0,
    inFlight: new Set(),
    running: false,
    stopping: false,
    pumping: false,
    claiming: 0,
    wakeRequested: false,
    pollTimer: undefined,
    lingerTimer: undefined,
    processed: 0,
    batchesDone: 0,
    lastPollAt: null,
    lastError: null,
    lastRetentionAt: 0,
    writeBacks: { running: undefined, again: false, queued: false },
  };
}

/** The worker's state as it reports it. */
export function workerStatus(state: WorkerState): WorkerStatus {
  return {
    status: state.running ? 'running' : 'stopped',
    worker_id: state.workerId,
    in_flight: state.inFlight.size,
    processed: state.processed,
    last_poll_at: state.lastPollAt,
    last_error: state.lastError,
  };
}

/** A logger bound to one event. */
export function eventLogger(state: WorkerState, event: ClaimedEvent): Logger {
  return state.logger.child({ eventId: event.event_id, recordId: event.record_id, attempt: event.attempts });
}

/** Resolves once no claim is under way (their events are then in `inFlight`, or there were none). */
export async function claimsSettled(state: WorkerState): Promise<void> {
  while (state.claiming > 0) await new Promise((resolve) => setImmediate(resolve));
}
