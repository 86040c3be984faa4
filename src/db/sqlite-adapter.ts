import { type Kysely, type SelectQueryBuilder, SqliteAdapter } from 'kysely';
import type { DialectAdapter } from './dialect-adapter.js';

/**
 * SQLite serves one process with a single writer, whose transactions run one at a time: no row locks, no
 * advisory locks, no other process to wake, and the count triggers update `event_counts` directly.
 */
export class SqliteDialectAdapter extends SqliteAdapter implements DialectAdapter {
  readonly name = 'sqlite';
  readonly singleProcess = true;

  skipLockedRows<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O> {
    return query;
  }

  // SQLite plans without statistics and already walks (status, id).
  async planClaimInIdOrder(_trx: Kysely<any>): Promise<void> {}

  async lockKeys(_trx: Kysely<any>, _keys: readonly string[]): Promise<void> {}

  async announceNewEvents(_trx: Kysely<any>): Promise<void> {}

  // Its own write lock serializes the migrations of processes starting together.
  withStartupLock<T>(db: Kysely<any>, fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
    return fn(db);
  }

  async currentSchema(_db: Kysely<any>): Promise<string | undefined> {
    return undefined;
  }

  async foldEventCounts(_db: Kysely<any>): Promise<void> {}
}
