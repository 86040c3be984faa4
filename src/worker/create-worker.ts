import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { drainWorker } from './drain-worker.js';
import type { BatchEventHandler, EventHandler } from './event-handler.js';
import type { EventWorker } from './event-worker.js';
import { pumpSoon } from './pump.js';
import { startWorker } from './start-worker.js';
import { stopWorker } from './stop-worker.js';
import type { Dependencies } from './wait-for-dependencies.js';
import { createWorkerState, workerStatus } from './worker-state.js';
import type { ZohoLink } from './zoho-link.js';

export interface WorkerOptions {
  db: Kysely<Database>;
  logger: Logger;
  /** Handlers by Zoho module name. */
  handlers: Record<string, EventHandler | BatchEventHandler>;
  /**
   * Zoho CRM's API: records fetched before processing (ZOHO_FETCH_RECORDS) and Moodle ids written back. Without
   * it, or without a connection in it, the worker is webhook-only.
   */
  zoho?: ZohoLink;
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

/**
 * The background worker: claim → dispatch to the module's handler → record the outcome (STYLE.md,
 * graphile-worker). Its state lives in one WorkerState; each verb is a function over it in a file of its own.
 */
export function createWorker(options: WorkerOptions): EventWorker {
  const state = createWorkerState(options);
  return {
    start: () => startWorker(state),
    stop: (timeoutMs = 10_000) => stopWorker(state, timeoutMs),
    wake: () => pumpSoon(state),
    drain: () => drainWorker(state),
    state: () => workerStatus(state),
  };
}
