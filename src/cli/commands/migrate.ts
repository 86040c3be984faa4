import type { Command } from 'commander';
import { createDatabase } from '../../db/create-database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { AppError } from '../../errors.js';
import { MODULES, moduleMigrations } from '../../modules/index.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';

/** `mzi migrate`: prints each migration's status and fails when one fails. */
export function registerMigrateCommand(program: Command, { getConfig }: CliContext): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () => {
      const config = getConfig();
      const handle = createDatabase(config.databaseUrl);
      try {
        const { results, error } = await migrateToLatest(handle.db, moduleMigrations(MODULES));
        for (const r of results)
          out(`${r.status === 'Success' ? 'applied' : r.status.toLowerCase()}: ${r.migrationName}`);
        if (error) throw new AppError('database.migration_failed', `Migration failed: ${String(error)}`);
        if (results.length === 0) out(`up to date (${handle.description})`);
      } finally {
        await handle.close();
      }
    });
}
