import type { Command } from 'commander';
import { formatDoctor, runDoctor } from '../../admin/run-doctor.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';

/** `mzi doctor`: checks configuration, database and Moodle; exits 1 when a check fails. */
export function registerDoctorCommand(program: Command, { getConfig }: CliContext): void {
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
}
