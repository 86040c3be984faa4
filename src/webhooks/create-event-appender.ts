import type { Kysely } from 'kysely';
import { dialectAdapter } from '../db/dialect-adapter.js';
import type { Database } from '../db/schema.js';
import { MODULES, type ZohoModule } from '../modules/index.js';
import { appendLookupsFor } from './append-lookups.js';
import type { AppenderState } from './appender-state.js';
import { scheduleDrain, waitForDrain } from './drain-appends.js';
import type { NormalizedDelivery } from './normalize-delivery.js';
import { probeAppender } from './probe-appender.js';

export interface IncomingDelivery {
  normalized: NormalizedDelivery;
  source: string;
  rawBody: string;
  contentType: string | undefined;
  /** Request headers with credentials already redacted. */
  headers: Record<string, string>;
  /** The request line (query secrets redacted), how it was authenticated, and when it arrived (epoch ms). */
  request?: { method: string; url: string; authMethod: string; receivedAt: number };
}

export type AppendStatus = 'queued' | 'duplicate' | 'rejected';

export interface AppendResult {
  eventId: string;
  status: AppendStatus;
  eventType: string;
  duplicateOf: string | undefined;
  warnings: string[];
  /** Why the event was stored as failed at once (an operation we do not know). */
  errorMessage: string | undefined;
  /** The answer for the sender, as stored with the event. */
  reply: { statusCode: number; body: Record<string, unknown> };
}

export interface EventAppender {
  /** Resolves once the event row is committed to disk: only then may the sender get its 200. */
  append(delivery: IncomingDelivery): Promise<AppendResult>;
  /**
   * Appends the records of one envelope in one transaction, in order: resolves once all are committed, or
   * rejects with none of them stored.
   */
  appendAll(deliveries: readonly IncomingDelivery[]): Promise<AppendResult[]>;
  /** Waits for every queued append to be written. */
  flush(): Promise<void>;
  /** Whether the last write failed (health turns unhealthy until a write succeeds again). */
  state(): { writable: boolean; lastError: string | null; lastErrorAt: string | null };
  /** After a failed write: tries a harmless write, and reports writable again if it succeeds. */
  probe(): Promise<boolean>;
  /** Writes what is queued and lets go of what the appender holds (the database stays open). */
  close(): Promise<void>;
}

export interface EventAppenderOptions {
  db: Kysely<Database>;
  dedupWindowSeconds: number;
  maxAttempts: number;
  /** Called after each commit that stored at least one pending event (wakes the worker). */
  onAppended?: () => void;
  now?: () => Date;
  /** Most deliveries written in one transaction. */
  maxBatch?: number;
  /** The modules whose records and search keys the log knows (default: MODULES). */
  modules?: readonly ZohoModule[];
}

/**
 * Appends deliveries to the event log with group commit: deliveries that arrive while a commit is in flight
 * are written together in the next transaction, so each fsync acknowledges many deliveries (DESIGN.md §3).
 * Dedup and operation inference run inside that transaction, in arrival order, so they see every earlier delivery
 * (classifyDelivery).
 */
export function createEventAppender(options: EventAppenderOptions): EventAppender {
  const { db } = options;
  const state: AppenderState = {
    db,
    adapter: dialectAdapter(db),
    lookups: appendLookupsFor(db),
    modules: options.modules ?? MODULES,
    dedupWindowSeconds: options.dedupWindowSeconds,
    maxAttempts: options.maxAttempts,
    maxBatch: options.maxBatch ?? 256,
    now: options.now ?? (() => new Date()),
    onAppended: options.onAppended,
    queue: [],
    running: undefined,
    writable: true,
    lastError: null,
    lastErrorAt: null,
  };
  const appendAll = (deliveries: readonly IncomingDelivery[]) =>
    new Promise<AppendResult[]>((resolve, reject) => {
      if (deliveries.length === 0) return resolve([]);
      state.queue.push({ deliveries, resolve, reject });
      scheduleDrain(state);
    });
  return {
    append: async (delivery) => (await appendAll([delivery]))[0] as AppendResult,
    appendAll,
    flush: () => waitForDrain(state),
    state: () => ({ writable: state.writable, lastError: state.lastError, lastErrorAt: state.lastErrorAt }),
    probe: () => probeAppender(state),
    close: () => waitForDrain(state),
  };
}
