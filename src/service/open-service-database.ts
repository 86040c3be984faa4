import type { Config } from '../config.js';
import { createDatabase, type DatabaseHandle } from '../db/create-database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { ThreadWriteLock } from '../db/sqlite-dialect.js';
import { AppError } from '../errors.js';
import { moduleMigrations, type ZohoModule } from '../modules/index.js';
import type { Role } from './service-parts.js';

/**
 * Opens the service's database connection and migrates it to the latest version. With `writeLock` (SQLite in a
 * file, intake in a thread) this connection shares the lock with the threads' connections. Refuses a split role
 * on a database only one process can use.
 */
export async function openServiceDatabase(
  config: Config,
  options: { role: Role; modules: readonly ZohoModule[]; writeLock: ThreadWriteLock | undefined },
): Promise<DatabaseHandle> {
  const { role, writeLock } = options;
  const database = createDatabase(config.databaseUrl, {
    // The appender thread fsyncs each commit and checkpoints; this connection writes what can be done again.
    ...(writeLock ? { fsyncEachCommit: false, walAutocheckpointPages: 0 } : {}),
    writeLock,
    preparedStatements: config.pgPreparedStatements,
  });
  if (role !== 'all' && database.adapter.singleProcess) {
    await database.close();
    throw new AppError(
      'config.role_needs_postgres',
      `--role ${role} runs API and worker in separate processes, which needs PostgreSQL (DATABASE_URL=postgres://…); with SQLite use --role all.`,
      { status: 400 },
    );
  }
  const migration = await migrateToLatest(database.db, moduleMigrations(options.modules));
  if (migration.error) {
    await database.close();
    throw new AppError('database.migration_failed', `Database migration failed: ${String(migration.error)}`, {
      cause: migration.error,
    });
  }
  return database;
}
