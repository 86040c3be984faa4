import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { createCoursesOf, createHoldersOf, moduleSettings } from '../../modules/index.js';
import type { MoodlePollSummary, ZohoModule } from '../../modules/zoho-module.js';
import { createMoodleFromConfig } from '../../moodle/moodle-from-config.js';
import { connectZoho } from '../../sync/connect-zoho.js';
import { createEventAppender } from '../../webhooks/create-event-appender.js';
import type { CliContext } from '../cli-context.js';
import { formatPollProgress, formatPollSummary } from '../format-poll-summary.js';
import { err, out } from '../output.js';
import { parseSince } from '../parse-since.js';
import { withDatabase } from '../with-database.js';

interface ResyncOptions {
  course?: number | undefined;
  since?: string | undefined;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `mzi sync grades`: reads a module's records from Moodle again (every course of a class, or one) and appends
 * an event for each, so that each is sent to Zoho again, whatever was sent before (README, "Grades").
 */
export function registerMoodleResync(sync: Command, module: ZohoModule, context: CliContext): void {
  sync
    .command(module.name)
    .alias(`${module.name}s`)
    .description(
      `read the ${module.zohoApiName} data from Moodle again (every course of a class) and append an event for each, to send it to Zoho again`,
    )
    .option('--course <id>', 'only this Moodle course (its id)', parseCourseId)
    .option('--since <iso-time>', 'only what changed in Moodle since then (default: everything)')
    .option('--dry-run', 'append nothing: say what would be appended')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: ResyncOptions) => {
      const summary = await runResync(context.getConfig(), context.modules, module, opts);
      out(opts.json ? JSON.stringify(summary, null, 2) : formatPollSummary(module.name, summary));
      if (summary.problems.length > 0) process.exitCode = 1;
    });
}

function parseCourseId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1)
    throw new InvalidArgumentError('must be a Moodle course id (a whole number)');
  return id;
}

async function runResync(
  config: Config,
  modules: readonly ZohoModule[],
  module: ZohoModule,
  opts: ResyncOptions,
): Promise<MoodlePollSummary> {
  const courseId = opts.course;
  const since = opts.since === undefined ? 0 : Math.floor(Date.parse(parseSince(opts.since)) / 1000);
  const moodle = createMoodleFromConfig(config);
  if (!moodle) {
    throw new AppError(
      'moodle.not_configured',
      'Moodle is not configured, so mzi cannot read its grades: set MOODLE_URL and MOODLE_TOKEN.',
      { status: 400 },
    );
  }
  const logger = createLogger({
    level: config.logLevel === 'debug' ? 'debug' : 'warn',
    destination: process.stderr,
  });
  return withDatabase(config, async (db) => {
    if (!(await connectZoho({ config, db, logger }))) {
      err(
        'warning: Zoho is not connected: the events are appended, but the worker cannot send them until it is (`mzi zoho connect`).',
      );
    }
    const appender = createEventAppender({
      db,
      dedupWindowSeconds: config.webhook.dedupWindowSeconds,
      maxAttempts: config.worker.maxAttempts,
    });
    const progress = process.stderr.isTTY
      ? (summary: Readonly<MoodlePollSummary>) => progressLine(formatPollProgress(module.name, summary))
      : undefined;
    try {
      const poll = module.fromMoodle;
      if (!poll) throw new TypeError(`${module.name} is not read from Moodle`);
      return await poll.poll(
        {
          db,
          moodle,
          appender,
          settings: moduleSettings(config, module),
          coursesOf: createCoursesOf(modules, config),
          holdersOf: createHoldersOf(modules),
          logger,
        },
        { resendSince: since, courseId, dryRun: opts.dryRun, ...(progress ? { onProgress: progress } : {}) },
      );
    } finally {
      if (progress) process.stderr.write('\r\u001b[2K');
      await appender.close();
    }
  });
}

function progressLine(text: string): void {
  process.stderr.write(`\r\u001b[2K${text.slice(0, (process.stderr.columns || 100) - 1)}`);
}
