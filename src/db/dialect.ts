import { type Kysely, PostgresAdapter } from 'kysely';

// The one place where SQL differs between SQLite and PostgreSQL (STYLE.md: one adapter, no scattered ifs).

export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Column type of an auto-assigned integer primary key: SQLite's rowid alias, PostgreSQL's serial. */
export function autoIncrementId(db: Kysely<any>): 'integer' | 'serial' {
  return dialectOf(db) === 'postgres' ? 'serial' : 'integer';
}
