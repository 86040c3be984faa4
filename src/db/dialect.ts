import { createHash } from 'node:crypto';
import { type Kysely, PostgresAdapter, type SelectQueryBuilder, sql } from 'kysely';

// The one place where SQL differs between SQLite and PostgreSQL (STYLE.md: one adapter, no scattered ifs).
// SQLite serves one process (a single writer); PostgreSQL serves any number of API and worker processes.

export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Column type of an auto-assigned integer primary key: SQLite's rowid alias, PostgreSQL's serial. */
export function autoIncrementId(db: Kysely<any>): 'integer' | 'serial' {
  return dialectOf(db) === 'postgres' ? 'serial' : 'integer';
}

/**
 * Claims skip rows another worker has locked (PostgreSQL `FOR UPDATE SKIP LOCKED`). SQLite has no row locks
 * and needs none: its one writer runs each claim alone.
 */
export function skipLockedRows<DB, TB extends keyof DB, O>(
  db: Kysely<any>,
  query: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return dialectOf(db) === 'postgres' ? query.forUpdate().skipLocked() : query;
}

/**
 * Before a claim's SELECT: PostgreSQL plans it from statistics, which for a queue are always stale. Believing
 * only a few events pending (a young log, or one analyzed before a burst), the planner fetches every pending
 * event with a bitmap scan, checks each one's record and sorts them all, to return 32: the whole backlog read
 * for every claim (docs/PERFORMANCE.md#postgresql-claim-plans). Without bitmap scans it walks
 * the pending events in id order and stops at the LIMIT. Transaction-scoped (SET LOCAL), so it holds behind a
 * transaction-mode pooler too. SQLite needs nothing.
 */
export async function planClaimInIdOrder(trx: Kysely<any>): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
}

/**
 * Serializes appends for the same records across processes until the transaction ends (PostgreSQL advisory
 * locks, taken in a fixed order so two batches cannot deadlock). SQLite's single writer already serializes.
 */
export async function lockKeys(trx: Kysely<any>, keys: readonly string[]): Promise<void> {
  if (dialectOf(trx) !== 'postgres' || keys.length === 0) return;
  const ids = [...new Set(keys.map(advisoryKey))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  await sql`SELECT pg_advisory_xact_lock(k) FROM unnest(${ids}::bigint[]) AS t(k)`.execute(trx);
}

/** The channel on which new events are announced to workers in other processes. */
export const EVENTS_CHANNEL = 'mzi_events';

/** Wakes workers in other processes when the transaction commits (PostgreSQL NOTIFY); SQLite has none. */
export async function announceNewEvents(trx: Kysely<any>): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(trx);
}

/** A signed 64-bit key, as text, for pg_advisory_xact_lock. */
function advisoryKey(key: string): string {
  return createHash('sha256').update(key).digest().readBigInt64BE(0).toString();
}

/**
 * Runs `fn` while holding a lock that other processes starting at the same moment wait for (migrations).
 * PostgreSQL: a session advisory lock on one connection, which `fn` receives. SQLite: its own write lock does.
 */
export async function withStartupLock<T>(db: Kysely<any>, fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
  if (dialectOf(db) !== 'postgres') return fn(db);
  return db.connection().execute(async (connection) => {
    const key = advisoryKey('mzi:migrations');
    await sql`SELECT pg_advisory_lock(${key}::bigint)`.execute(connection);
    try {
      return await fn(connection);
    } finally {
      await sql`SELECT pg_advisory_unlock(${key}::bigint)`.execute(connection);
    }
  });
}

/**
 * The schema mzi's tables live in (PostgreSQL `current_schema()`, from search_path), so that mzi tables in
 * other schemas of the same database are never mistaken for ours. SQLite has no schemas.
 */
export async function currentSchema(db: Kysely<any>): Promise<string | undefined> {
  if (dialectOf(db) !== 'postgres') return undefined;
  const result = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  return result.rows[0]?.schema;
}

/** Delta rows folded since `event_count_deltas` was last vacuumed, per database (its Kysely adapter). */
const foldedSinceVacuum = new WeakMap<object, number>();

/**
 * How many folded delta rows make a VACUUM of `event_count_deltas` worth it. Every status change of an event
 * leaves a dead delta row behind its fold, and stats read that table with a sequential scan, dead pages included;
 * autovacuum comes too late for a busy log (docs/PERFORMANCE.md#vacuum-of-the-folded-counter-deltas).
 */
export const VACUUM_AFTER_FOLDED_ROWS = 10_000;

/**
 * Folds PostgreSQL's pending count deltas into `event_counts` (migration 0002). Safe from several workers at
 * once: each delta row is deleted exactly once. Once enough rows were folded, vacuums the deltas table so that
 * stats stay fast (a worker that finds another one vacuuming skips it). SQLite's triggers update the counts
 * directly: nothing to fold.
 */
export async function foldEventCounts(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  const result = await sql<{ moved: number }>`
    WITH moved AS (DELETE FROM event_count_deltas RETURNING status, source, module, d),
         summed AS (SELECT status, source, module, sum(d) AS d FROM moved GROUP BY status, source, module),
         folded AS (
           INSERT INTO event_counts (status, source, module, n)
           SELECT status, source, module, d FROM summed
           ON CONFLICT (status, source, module) DO UPDATE SET n = event_counts.n + excluded.n
         )
    SELECT count(*)::int AS moved FROM moved
  `.execute(db);
  const key = db.getExecutor().adapter;
  const folded = (foldedSinceVacuum.get(key) ?? 0) + (result.rows[0]?.moved ?? 0);
  if (folded < VACUUM_AFTER_FOLDED_ROWS) {
    foldedSinceVacuum.set(key, folded);
    return;
  }
  foldedSinceVacuum.set(key, 0);
  // Not in a transaction: the worker calls this on the database, never on one of its transactions.
  await sql`VACUUM (SKIP_LOCKED) event_count_deltas`.execute(db);
}
