import { createHash } from 'node:crypto';
import { type Kysely, PostgresAdapter, type SelectQueryBuilder, sql } from 'kysely';
import { type DialectAdapter, EVENTS_CHANNEL } from './dialect-adapter.js';

/**
 * How many folded delta rows make a VACUUM of `event_count_deltas` worth it. Every status change of an event
 * leaves a dead delta row behind its fold, and stats read that table with a sequential scan, dead pages included;
 * autovacuum would get there too late under a steady load
 * (docs/PERFORMANCE.md#vacuum-of-the-folded-counter-deltas).
 */
export const VACUUM_AFTER_FOLDED_ROWS = 10_000;

/** PostgreSQL serves any number of API and worker processes, which lock rows and keys and notify each other. */
export class PostgresDialectAdapter extends PostgresAdapter implements DialectAdapter {
  readonly name = 'postgres';
  readonly singleProcess = false;
  /** Delta rows folded since `event_count_deltas` was last vacuumed by this database's workers. */
  #foldedSinceVacuum = 0;

  skipLockedRows<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O> {
    return query.forUpdate().skipLocked();
  }

  /**
   * PostgreSQL plans a claim from statistics, which for a queue are always stale. Believing only a few events
   * pending (a young log, or one analyzed before a burst), the planner fetches every pending event with a bitmap
   * scan, checks each one's record and sorts them all, to return a batch: the whole backlog read for every claim.
   * Without bitmap scans it walks the pending events in id order and stops at the LIMIT
   * (docs/PERFORMANCE.md#postgresql-claim-plans). Transaction-scoped (SET LOCAL), so it holds behind a
   * transaction-mode pooler too.
   */
  async planClaimInIdOrder(trx: Kysely<any>): Promise<void> {
    await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
  }

  /** Advisory locks, taken in a fixed order so two batches cannot deadlock. */
  async lockKeys(trx: Kysely<any>, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const ids = [...new Set(keys.map(advisoryKey))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await sql`SELECT pg_advisory_xact_lock(k) FROM unnest(${ids}::bigint[]) AS t(k)`.execute(trx);
  }

  /** NOTIFY, delivered when the transaction commits. */
  async announceNewEvents(trx: Kysely<any>): Promise<void> {
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(trx);
  }

  /** A session advisory lock on one connection, which `fn` receives. */
  withStartupLock<T>(db: Kysely<any>, fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
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
   * `current_schema()`, from search_path, so that mzi tables in other schemas of the same database are never
   * mistaken for ours.
   */
  async currentSchema(db: Kysely<any>): Promise<string | undefined> {
    const result = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
    return result.rows[0]?.schema;
  }

  /**
   * Folds the pending count deltas into `event_counts`. Safe from several workers at once: each delta row is
   * deleted exactly once. Once enough rows were folded, vacuums the deltas table so that stats stay fast (a
   * worker that finds another one vacuuming skips it).
   */
  async foldEventCounts(db: Kysely<any>): Promise<void> {
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
    const folded = this.#foldedSinceVacuum + (result.rows[0]?.moved ?? 0);
    if (folded < VACUUM_AFTER_FOLDED_ROWS) {
      this.#foldedSinceVacuum = folded;
      return;
    }
    this.#foldedSinceVacuum = 0;
    // Not in a transaction: the worker calls this on the database, never on one of its transactions.
    await sql`VACUUM (SKIP_LOCKED) event_count_deltas`.execute(db);
  }
}

/** A signed 64-bit key, as text, for pg_advisory_xact_lock. */
function advisoryKey(key: string): string {
  return createHash('sha256').update(key).digest().readBigInt64BE(0).toString();
}
