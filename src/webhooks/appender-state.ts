import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import type { Database } from '../db/schema.js';
import type { ZohoModule } from '../modules/index.js';
import type { AppendLookups } from './append-lookups.js';
import type { AppendResult, IncomingDelivery } from './create-event-appender.js';

/**
 * Deliveries that are written together or not at all (one, or the records of an envelope), waiting for their
 * batch, and the promise their sender awaits.
 */
export interface PendingAppend {
  deliveries: readonly IncomingDelivery[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: Error) => void;
}

/** Everything an event appender holds: its settings, its queue and the outcome of its last write. */
export interface AppenderState {
  readonly db: Kysely<Database>;
  readonly adapter: DialectAdapter;
  readonly lookups: AppendLookups;
  readonly modules: readonly ZohoModule[];
  readonly dedupWindowSeconds: number;
  readonly maxAttempts: number;
  /** Most deliveries written in one transaction (an envelope larger than this is written alone). */
  readonly maxBatch: number;
  readonly now: () => Date;
  readonly onAppended: (() => void) | undefined;
  /** Deliveries not yet in a batch, in arrival order. */
  queue: PendingAppend[];
  /** The drain under way, if any: one at a time. */
  running: Promise<void> | undefined;
  writable: boolean;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** Marks the log unwritable after a failed write, keeping the kind of failure (code and first line), never the values it may quote. */
export function recordWriteFailure(state: AppenderState, error: Error): void {
  const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
  state.writable = false;
  state.lastError = `${code}${(error.message.split('\n')[0] ?? '').slice(0, 120)}`;
  state.lastErrorAt = state.now().toISOString();
}
