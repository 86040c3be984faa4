import type { Command } from 'commander';
import { purgeEvents } from '../../event-log/purge-events.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';
import { resolvePurgeScope } from '../resolve-purge-scope.js';
import { withDatabase } from '../with-database.js';

/** `mzi events purge`: deletes old events, failed ones only when asked. */
export function registerPurgeCommand(events: Command, { getConfig }: CliContext): void {
  events
    .command('purge')
    .description(
      'delete old events (with their raw bodies and attempts); failed ones only with --include-failed',
    )
    .option(
      '--before <date>',
      'delete events created before this date (ISO 8601; default: now minus RETENTION_DAYS)',
    )
    .option('--include-failed', 'also delete failed events')
    .action(async (opts: { before?: string; includeFailed?: boolean }) => {
      const config = getConfig();
      const { before, statuses } = resolvePurgeScope({
        before: opts.before,
        includeFailed: opts.includeFailed === true,
        retentionDays: config.worker.retentionDays,
        now: new Date(),
      });
      const purged = await withDatabase(config, (db) => purgeEvents(db, { before, statuses }));
      out(`purged ${purged} event(s) created before ${before.toISOString()} (${statuses.join(', ')})`);
    });
}
