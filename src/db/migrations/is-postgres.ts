import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Whether a migration runs on PostgreSQL. Migrations are frozen in time, so they ask Kysely's own adapter rather
 * than mzi's dialect adapter, whose methods may change.
 */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
