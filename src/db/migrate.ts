import { type Kysely, type Migration, type MigrationResult, Migrator } from 'kysely';
import { dialectAdapter } from './dialect-adapter.js';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrateOutcome {
  results: MigrationResult[];
  error: unknown;
}

/**
 * Applies every pending migration, the core ones and the modules' (`moduleMigrations(MODULES)`), in the order of
 * their date-prefixed names; re-running is a no-op. Never throws: the caller decides how to report.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  moduleMigrations: Readonly<Record<string, Migration>>,
): Promise<MigrateOutcome> {
  const migrations = { ...MIGRATIONS, ...moduleMigrations };
  // Several processes starting together (API and workers on PostgreSQL) must not race to create the tables.
  const adapter = dialectAdapter(db);
  return adapter.withStartupLock(db, async (locked) => {
    const schema = await adapter.currentSchema(locked);
    const migrator = new Migrator({
      db: locked,
      ...(schema ? { migrationTableSchema: schema } : {}),
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'mzi_migrations',
      migrationLockTableName: 'mzi_migrations_lock',
    });
    const { results, error } = await migrator.migrateToLatest();
    return { results: results ?? [], error };
  });
}
