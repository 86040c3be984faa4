import type { Kysely, SelectQueryBuilder } from 'kysely';

// Where SQL differs between SQLite and PostgreSQL (STYLE.md: one adapter, no scattered ifs). The adapter is
// chosen once, when the database is opened, and travels with it: Kysely keeps it in the executor that a database
// and all its transactions share (kysely's own `DialectAdapter` does the same for its dialect differences).

export type DialectName = 'sqlite' | 'postgres';

/** What mzi does differently on each database. */
export interface DialectAdapter {
  readonly name: DialectName;
  /**
   * Whether one process serves the database: SQLite has a single writer, so API and worker share a process and
   * the starting process is the only worker. PostgreSQL serves any number of API and worker processes.
   */
  readonly singleProcess: boolean;
  /** Makes a claim's SELECT skip rows another worker has locked (PostgreSQL `FOR UPDATE SKIP LOCKED`). */
  skipLockedRows<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;
  /** Before a claim's SELECT, in its transaction: walk the pending events in id order. */
  planClaimInIdOrder(trx: Kysely<any>): Promise<void>;
  /** Serializes appends for the same records across processes until the transaction ends. */
  lockKeys(trx: Kysely<any>, keys: readonly string[]): Promise<void>;
  /** Wakes workers in other processes when the transaction commits. */
  announceNewEvents(trx: Kysely<any>): Promise<void>;
  /** Runs `fn` while holding a lock that other processes starting at the same moment wait for (migrations). */
  withStartupLock<T>(db: Kysely<any>, fn: (db: Kysely<any>) => Promise<T>): Promise<T>;
  /** The schema mzi's tables live in, if the database has schemas. */
  currentSchema(db: Kysely<any>): Promise<string | undefined>;
  /** Brings `event_counts` up to date where the count triggers leave deltas behind (migration 0002). */
  foldEventCounts(db: Kysely<any>): Promise<void>;
}

/** The channel on which new events are announced to workers in other processes. */
export const EVENTS_CHANNEL = 'mzi_events';

/** The adapter of a database opened by `createDatabase`, or of one of its transactions. */
export function dialectAdapter(db: Kysely<any>): DialectAdapter {
  const adapter = db.getExecutor().adapter as Partial<DialectAdapter>;
  if (typeof adapter.foldEventCounts !== 'function')
    throw new Error('This database was not opened by createDatabase: it has no mzi dialect adapter.');
  return adapter as DialectAdapter;
}
