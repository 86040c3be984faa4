import { type Command, Option } from 'commander';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { fromMoodle, fromZoho } from '../../modules/index.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import { connectZoho } from '../../sync/connect-zoho.js';
import { leaseOwner } from '../../sync/lease-owner.js';
import { syncModule } from '../../sync/sync-module.js';
import type { SyncSummary } from '../../sync/sync-summary.js';
import { createEventAppender } from '../../webhooks/create-event-appender.js';
import type { CliContext } from '../cli-context.js';
import { formatSyncProgress, formatSyncSummary } from '../format-sync-summary.js';
import { err, out } from '../output.js';
import { parseSince } from '../parse-since.js';
import { withDatabase } from '../with-database.js';
import { registerMoodleResync } from './moodle-resync.js';

interface SyncOptions {
  since?: string | undefined;
  full?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** `mzi sync <module>`, one subcommand per module: catches the mirror up with Zoho (README, "Catching up"). */
export function registerSyncCommands(program: Command, context: CliContext): void {
  const sync = program
    .command('sync')
    .description('append events for what changed in Zoho since the last sync (missed webhooks)');
  for (const module of fromZoho(context.modules)) registerSyncModule(sync, module, context);
  for (const module of fromMoodle(context.modules)) registerMoodleResync(sync, module, context);
}

function registerSyncModule(sync: Command, module: ZohoModule, { getConfig }: CliContext): void {
  sync
    .command(module.name)
    .description(
      `read the ${module.zohoApiName} records changed and deleted in Zoho since the last sync, and append an event for each difference with the local mirror`,
    )
    .addOption(new Option('--since <iso-time>', 'read records changed since then instead').conflicts('full'))
    .option('--full', 'read every record, not only those changed since the last sync')
    .option('--dry-run', 'append nothing: say what would be appended')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: SyncOptions) => {
      const since = opts.since === undefined ? undefined : parseSince(opts.since);
      const summary = await runSync(getConfig(), module, { ...opts, since });
      out(opts.json ? JSON.stringify(summary, null, 2) : formatSyncSummary(summary));
      if (summary.stopped) process.exitCode = 1;
    });
}

async function runSync(config: Config, module: ZohoModule, opts: SyncOptions): Promise<SyncSummary> {
  const logger = createLogger({
    level: config.logLevel === 'debug' ? 'debug' : 'warn',
    destination: process.stderr,
  });
  return withDatabase(config, async (db) => {
    const zoho = await connectZoho({ config, db, logger });
    if (!zoho) {
      throw new AppError(
        'zoho.not_connected',
        'Zoho is not connected, so mzi cannot read its records: run `mzi zoho connect`, or set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC.',
        { status: 400 },
      );
    }
    // Usage is counted per hour: the run's credits are what the count grew by while it ran.
    const creditsBefore = await zoho.creditsLast24h();
    warnOverBudget(config, creditsBefore);
    const appender = createEventAppender({
      db,
      dedupWindowSeconds: config.webhook.dedupWindowSeconds,
      maxAttempts: config.worker.maxAttempts,
    });
    const progress = process.stderr.isTTY
      ? (s: Readonly<SyncSummary>) => progressLine(formatSyncProgress(s))
      : undefined;
    try {
      const summary = await syncModule({
        db,
        zoho: zoho.api,
        module,
        appender,
        owner: leaseOwner('mzi sync'),
        since: opts.since,
        full: opts.full,
        dryRun: opts.dryRun,
        maxFieldLength: config.webhook.maxFieldLength,
        logger,
        ...(progress ? { onProgress: progress } : {}),
      });
      summary.credits = (await zoho.creditsLast24h()) - creditsBefore;
      return summary;
    } finally {
      if (progress) process.stderr.write('\r\u001b[2K');
      await appender.close();
    }
  });
}

/** An explicit sync runs whatever the budget, but says when the budget is already reached. */
function warnOverBudget(config: Config, spent: number): void {
  const budget = config.zoho.dailyCreditBudget;
  if (budget === undefined || spent < budget) return;
  err(
    `warning: ${spent} API credits were spent in the last 24 hours, at or over ZOHO_DAILY_CREDIT_BUDGET (${budget}); background sync waits, this explicit sync runs anyway.`,
  );
}

function progressLine(text: string): void {
  process.stderr.write(`\r\u001b[2K${text.slice(0, (process.stderr.columns || 100) - 1)}`);
}
