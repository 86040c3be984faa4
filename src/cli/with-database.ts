import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { createDatabase } from '../db/create-database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { MODULES, moduleMigrations } from '../modules/index.js';

/** Opens the configured database, brings its schema up to date, runs `run` on it and closes it. */
export async function withDatabase<T>(config: Config, run: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const handle = createDatabase(config.databaseUrl);
  try {
    const migration = await migrateToLatest(handle.db, moduleMigrations(MODULES));
    if (migration.error)
      throw new AppError(
        'database.migration_failed',
        `Database migration failed: ${String(migration.error)}`,
      );
    return await run(handle.db);
  } finally {
    await handle.close();
  }
}
