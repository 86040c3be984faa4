import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ClaimedEvent, Database } from '../db/schema.js';

export interface HandlerContext {
  db: Kysely<Database>;
  logger: Logger;
  now: Date;
}

export interface HandlerOutcome {
  /** What was done, stored on the event as `result` (no secrets). */
  result: Record<string, unknown>;
  /** Things the operator should know although the event succeeded (e.g. a country Moodle would blank). */
  warnings?: string[];
  /**
   * Local writes, run in the transaction that marks the event completed. It may throw a ProcessingError to
   * fail the event instead, but only before it has written anything (other events share the transaction).
   */
  apply?: (trx: Kysely<Database>) => Promise<void>;
}

/**
 * Processes one event of a module. Slow work (network calls) happens in the handler itself, outside any
 * database transaction; only `apply` runs inside one. Throw a ProcessingError to fail or retry the event.
 */
export type EventHandler = (event: ClaimedEvent, context: HandlerContext) => Promise<HandlerOutcome>;

/** The outcome of one event of a batch: done, or the error that stopped it. */
export type HandlerResult = { ok: true; outcome: HandlerOutcome } | { ok: false; error: unknown };

/**
 * Processes several events of a module at once (each of a different record), so that their remote calls can
 * be batched. Returns one result per event, in order; throwing fails (or retries) the whole batch.
 */
export interface BatchEventHandler {
  handleBatch(events: ClaimedEvent[], context: HandlerContext): Promise<HandlerResult[]>;
}
