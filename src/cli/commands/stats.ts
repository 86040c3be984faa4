import type { Command } from 'commander';
import { getEventStats } from '../../event-log/get-event-stats.js';
import type { CliContext } from '../cli-context.js';
import { formatStats } from '../format-stats.js';
import { out } from '../output.js';
import { withDatabase } from '../with-database.js';

/** `mzi stats`: event counts by status, source and module, as text or JSON. */
export function registerStatsCommand(program: Command, { getConfig }: CliContext): void {
  program
    .command('stats')
    .description('event counts by status, source and module')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const stats = await withDatabase(getConfig(), (db) => getEventStats(db));
      out(opts.json ? JSON.stringify(stats, null, 2) : formatStats(stats));
    });
}
