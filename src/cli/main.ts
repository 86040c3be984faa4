#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Kysely } from 'kysely';
import { resolveAdminToken } from '../admin/admin-token.js';
import { formatDoctor, runDoctor } from '../admin/run-doctor.js';
import { type Config, ConfigError, isWebhookAuthDisabled, loadConfig } from '../config.js';
import { createDatabase } from '../db/create-database.js';
import { migrateToLatest } from '../db/migrate.js';
import { type Database, EVENT_STATUSES, type EventStatus } from '../db/schema.js';
import { AppError } from '../errors.js';
import { getEventOrThrow } from '../event-log/get-event-or-throw.js';
import { getEventStats } from '../event-log/get-event-stats.js';
import { listAttempts } from '../event-log/list-attempts.js';
import { listEvents } from '../event-log/list-events.js';
import { purgeEvents } from '../event-log/purge-events.js';
import { retryEvent } from '../event-log/retry-event.js';
import { retryMatchingEvents } from '../event-log/retry-matching-events.js';
import { webhookPath } from '../http/webhook-urls.js';
import { createService, type Role, VERSION } from '../main.js';
import { MODULES, moduleMigrations, students } from '../modules/index.js';
import { eventDetail, formatEventLine } from './format-event.js';
import { printZohoSetup } from './print-zoho-setup.js';
import { printable, printableText } from './printable.js';
import { sendDelivery } from './send-delivery.js';

/**
 * Output goes through these so commands stay testable and nothing logs PII by accident. Values come from Zoho
 * and Moodle, so control characters are escaped: a field must not be able to rewrite the operator's terminal.
 */
const out = (text: string) => process.stdout.write(`${printableText(text)}\n`);
const err = (text: string) => process.stderr.write(`${printableText(text)}\n`);

async function withDatabase<T>(config: Config, run: (db: Kysely<Database>) => Promise<T>): Promise<T> {
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

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return n;
};

/** Builds the `mzi` command tree; `config` is read lazily so `--help` works with a broken environment. */
export function buildCli(getConfig: () => Config = () => loadConfig()): Command {
  const program = new Command('mzi')
    .description('mzi keeps Moodle in step with Zoho CRM: webhook intake, event log, student mirror.')
    .version(VERSION)
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the HTTP API and the worker')
    .addOption(
      new Option('--role <role>', 'what this process runs').choices(['all', 'api', 'worker']).default('all'),
    )
    .action(async (opts: { role: Role }) => {
      // V8 grows a heap up to fourfold between full collections, and garbage it has not collected yet is most
      // of what a busy mzi holds (docs/PERFORMANCE.md#heap-growth-cap). Every isolate of the process follows
      // it, the worker threads included.
      setFlagsFromString('--heap-growing-percent=20');
      const service = await createService(getConfig(), { role: opts.role });
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        service.logger.info({ signal }, 'shutting down');
        const timer = setTimeout(() => process.exit(1), 30_000).unref();
        await service.close();
        clearTimeout(timer);
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      await service.start();
    });

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

  program
    .command('stats')
    .description('event counts by status, source and module')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const stats = await withDatabase(getConfig(), (db) => getEventStats(db));
      if (opts.json) {
        out(JSON.stringify(stats, null, 2));
        return;
      }
      out(`total events: ${stats.total_events}`);
      out(`by status: ${formatCounts(stats.by_status)}`);
      out(`by source: ${formatCounts(stats.by_source)}`);
      out(`by module: ${formatCounts(stats.by_module)}`);
    });

  const events = program.command('events').description('inspect and retry events');
  events
    .command('list')
    .description('newest events first')
    .addOption(new Option('--status <status>', 'only this status').choices(EVENT_STATUSES))
    .option('--module <module>', 'only this Zoho module')
    .option('--record <recordId>', 'only this Zoho record')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .option('--json', 'print JSON lines')
    .action(
      async (opts: {
        status?: EventStatus;
        module?: string;
        record?: string;
        limit: number;
        json?: boolean;
      }) => {
        const rows = await withDatabase(getConfig(), (db) =>
          listEvents(db, {
            status: opts.status,
            module: opts.module,
            recordId: opts.record,
            limit: opts.limit,
          }),
        );
        if (rows.length === 0) {
          out('no events');
          return;
        }
        for (const row of rows) out(opts.json ? JSON.stringify(eventDetail(row)) : formatEventLine(row));
      },
    );

  events
    .command('show <id>')
    .description('one event in full: payload, warnings, result, attempts')
    .action(async (id: string) => {
      const detail = await withDatabase(getConfig(), async (db) => {
        const event = await getEventOrThrow(db, id);
        return { ...eventDetail(event), attempts_history: await listAttempts(db, event.event_id) };
      });
      out(JSON.stringify(detail, null, 2));
    });

  events
    .command('retry [id]')
    .description('queue a failed event (or, with --failed, every failed event) for one more attempt')
    .option('--failed', 'retry every failed event')
    .option('--module <module>', 'with --failed: only this module')
    .action(async (id: string | undefined, opts: { failed?: boolean; module?: string }) => {
      if (!id && !opts.failed)
        throw new AppError('usage', 'Give an event id, or --failed to retry every failed event.', {
          status: 400,
        });
      await withDatabase(getConfig(), async (db) => {
        if (opts.failed) {
          const n = await retryMatchingEvents(db, { module: opts.module });
          out(
            `queued ${n} failed event(s) for another attempt; a running mzi processes them within a second`,
          );
        } else if (id) {
          const event = await retryEvent(db, id);
          out(`queued ${event.event_id} for another attempt; a running mzi processes it within a second`);
        }
      });
    });

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
      const before = opts.before
        ? new Date(opts.before)
        : new Date(Date.now() - config.worker.retentionDays * 86_400_000);
      if (Number.isNaN(before.getTime())) {
        throw new AppError(
          'usage',
          `--before takes a date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${opts.before}".`,
          {
            status: 400,
          },
        );
      }
      if (!opts.before && config.worker.retentionDays === 0) {
        throw new AppError('usage', 'RETENTION_DAYS is 0 (keep forever): give --before DATE to purge.', {
          status: 400,
        });
      }
      const statuses: EventStatus[] = opts.includeFailed
        ? ['completed', 'duplicate', 'failed']
        : ['completed', 'duplicate'];
      const purged = await withDatabase(config, (db) => purgeEvents(db, { before, statuses }));
      out(`purged ${purged} event(s) created before ${before.toISOString()} (${statuses.join(', ')})`);
    });

  program
    .command('students')
    .description('the local student mirror')
    .command('show <ref>')
    .description('a student by Zoho record id, Student_ID_Number or Academic_Email')
    .action(async (ref: string) => {
      const rows = await withDatabase(getConfig(), (db) => students.records.find(db, ref));
      if (rows.length === 0)
        throw new AppError('student_not_found', `No student matches "${ref}".`, { status: 404 });
      out(JSON.stringify(rows.length === 1 ? rows[0] : rows, null, 2));
    });

  const send = program.command('send').description('post a test delivery to a running mzi');
  const setup = program.command('zoho-setup').description('print what to configure in Zoho CRM');
  for (const module of MODULES) {
    send
      .command(module.name)
      .description(
        `post a Zoho-shaped ${module.name} delivery (signed or with the token) and print the reply`,
      )
      .addOption(
        new Option(
          '--operation <op>',
          'insert | update | delete (create, edit, deleted … also accepted)',
        ).default('insert'),
      )
      .option(
        '--field <Name=value...>',
        `a ${module.zohoApiName} field, e.g. --field ${module.testDelivery.hint.field}=${module.testDelivery.hint.example} (repeatable)`,
      )
      .option('--record-id <id>', 'Zoho record id (default: a new random one)')
      .addOption(new Option('--format <format>', 'body type').choices(['form', 'json']).default('form'))
      .option('--url <url>', 'base URL of the running mzi (default: http://127.0.0.1:$PORT)')
      .action(
        async (opts: {
          operation: string;
          field?: string[];
          recordId?: string;
          format: 'form' | 'json';
          url?: string;
        }) => {
          const config = getConfig();
          const reply = await sendDelivery({
            module,
            baseUrl: opts.url ?? `http://127.0.0.1:${config.port}`,
            path: webhookPath(module),
            operation: opts.operation,
            fields: opts.field ?? [],
            recordId: opts.recordId,
            format: opts.format,
            secret: config.webhook.secrets[0],
            token: config.webhook.tokens[0],
          });
          out(`HTTP ${reply.status}`);
          out(reply.body);
          if (reply.status >= 400) process.exitCode = 1;
        },
      );

    setup
      .command(module.name)
      .description(`the three ${module.zohoApiName} webhooks (create, edit, delete) to paste into Zoho`)
      .option(
        '--url <url>',
        'public base URL of mzi as Zoho reaches it (default: PUBLIC_URL, else http://HOST:PORT)',
      )
      .action((opts: { url?: string }) => {
        const config = getConfig();
        out(
          printZohoSetup({
            module,
            baseUrl: opts.url ?? config.publicUrl ?? `http://localhost:${config.port}`,
            path: webhookPath(module),
            token: config.webhook.tokens[0],
            hmacOnly: config.webhook.tokens.length === 0 && config.webhook.secrets.length > 0,
            authDisabled: isWebhookAuthDisabled(config),
          }),
        );
      });
  }

  program
    .command('admin-token')
    .description(
      'print the admin token of the dashboard and admin API (created on first use unless ADMIN_TOKEN is set)',
    )
    .action(() => {
      const admin = resolveAdminToken(getConfig());
      if (!admin)
        throw new AppError('config.admin_token', 'No admin token could be set up; set ADMIN_TOKEN.');
      out(admin.token);
      err(
        admin.source === 'config'
          ? '(from ADMIN_TOKEN)'
          : `(from ${admin.path}${admin.generated ? ', created now' : ''})`,
      );
    });

  program
    .command('doctor')
    .description(
      'check configuration, database and Moodle (token, allowed functions) and say how to fix problems',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const checks = await runDoctor(getConfig());
      out(opts.json ? JSON.stringify(checks, null, 2) : formatDoctor(checks));
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });

  return program;
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${printable(k)}=${v}`).join(' ');
}

/** Runs the CLI; exits non-zero with a readable message on failure (never a stack trace for a user error). */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      process.exitCode = 2;
    } else if (error instanceof AppError) {
      err(`error: ${error.message}`);
      process.exitCode = error.status === 400 ? 2 : 1;
    } else {
      err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    }
  }
}
