import { setFlagsFromString } from 'node:v8';
import { type Command, Option } from 'commander';
import { createService, type Role } from '../../main.js';
import type { CliContext } from '../cli-context.js';

/** `mzi serve`: runs the HTTP API and the worker until SIGTERM or SIGINT. */
export function registerServeCommand(program: Command, { getConfig }: CliContext): void {
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
}
