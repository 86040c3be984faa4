#!/usr/bin/env node
import { Command } from 'commander';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { VERSION } from '../main.js';
import { MODULES } from '../modules/index.js';
import type { CliContext } from './cli-context.js';
import { registerAdminTokenCommand } from './commands/admin-token.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEventsCommands } from './commands/events.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerPurgeCommand } from './commands/purge.js';
import { registerRecordsCommands } from './commands/records.js';
import { registerSendCommands } from './commands/send.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerZohoCommands } from './commands/zoho.js';
import { registerZohoSetupCommands } from './commands/zoho-setup.js';
import { err } from './output.js';

/** Builds the `mzi` command tree; `config` is read lazily so `--help` works with a broken environment. */
export function buildCli(getConfig: () => Config = () => loadConfig()): Command {
  const context: CliContext = { getConfig, modules: MODULES };
  const program = new Command('mzi')
    .description(
      'mzi keeps Moodle in step with Zoho CRM: webhook intake, event log, local mirrors of the Zoho modules.',
    )
    .version(VERSION)
    .showHelpAfterError();
  // The order of registration is the order `mzi --help` lists the commands in.
  registerServeCommand(program, context);
  registerMigrateCommand(program, context);
  registerStatsCommand(program, context);
  registerPurgeCommand(registerEventsCommands(program, context), context);
  registerRecordsCommands(program, context);
  registerSendCommands(program, context);
  registerZohoSetupCommands(program, context);
  registerZohoCommands(program, context);
  registerSyncCommands(program, context);
  registerAdminTokenCommand(program, context);
  registerDoctorCommand(program, context);
  return program;
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
