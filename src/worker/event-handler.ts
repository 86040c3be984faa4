import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, EventRow } from '../db/schema.js';

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
  /** Local writes, run in the same transaction that marks the event completed; may throw a ProcessingError. */
  apply?: (trx: Kysely<Database>) => Promise<void>;
}

/**
 * Processes one event of a module. Slow work (network calls) happens in the handler itself, outside any
 * database transaction; only `apply` runs inside one. Throw a ProcessingError to fail or retry the event.
 */
export type EventHandler = (event: EventRow, context: HandlerContext) => Promise<HandlerOutcome>;
