import type { Command } from 'commander';
import { resolveAdminToken } from '../../admin/admin-token.js';
import { AppError } from '../../errors.js';
import type { CliContext } from '../cli-context.js';
import { err, out } from '../output.js';

/** `mzi admin-token`: prints the token on standard output and where it comes from on standard error. */
export function registerAdminTokenCommand(program: Command, { getConfig }: CliContext): void {
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
}
