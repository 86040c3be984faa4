import type { Command } from 'commander';
import { isWebhookAuthDisabled } from '../../config.js';
import { AppError } from '../../errors.js';
import { webhookPath } from '../../http/webhook-urls.js';
import { fromZoho } from '../../modules/index.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';
import { printDelugeSetup } from '../print-deluge-setup.js';
import { printZohoSetup } from '../print-zoho-setup.js';

interface ZohoSetupOptions {
  url?: string;
  deluge?: boolean;
  showSecret?: boolean;
  timestamp: boolean;
}

/** `mzi zoho-setup <module>`, one subcommand per module: the webhooks (or Deluge functions) to configure in Zoho CRM. */
export function registerZohoSetupCommands(program: Command, context: CliContext): void {
  const setup = program.command('zoho-setup').description('print what to configure in Zoho CRM');
  for (const module of fromZoho(context.modules)) registerZohoSetupModule(setup, module, context);
}

function registerZohoSetupModule(setup: Command, module: ZohoModule, { getConfig }: CliContext): void {
  setup
    .command(module.name)
    .description(`the three ${module.zohoApiName} webhooks (create, edit, delete) to paste into Zoho`)
    .option(
      '--url <url>',
      'public base URL of mzi as Zoho reaches it (default: PUBLIC_URL, else http://HOST:PORT)',
    )
    .option('--deluge', 'print signed Deluge functions for the workflow rules instead of webhooks')
    .option(
      '--show-secret',
      'with --deluge: put the real ZOHO_WEBHOOK_SECRET in the functions (default: a placeholder)',
    )
    .option('--no-timestamp', 'with --deluge: sign the body alone, without X-Zoho-Timestamp')
    .action((opts: ZohoSetupOptions) => {
      const config = getConfig();
      const baseUrl = (opts.url ?? config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
      if (opts.showSecret && !opts.deluge) {
        throw new AppError(
          'invalid_option',
          '--show-secret goes with --deluge: the webhooks carry no secret.',
          {
            status: 400,
          },
        );
      }
      if (opts.deluge) {
        const secret = config.webhook.secrets[0];
        if (opts.showSecret && secret === undefined) {
          throw new AppError(
            'invalid_option',
            '--show-secret: ZOHO_WEBHOOK_SECRET is empty. Set it to a long random value, restart mzi, and run this again.',
            { status: 400 },
          );
        }
        out(
          printDelugeSetup({
            module,
            url: `${baseUrl}${webhookPath(module)}`,
            shownSecret: opts.showSecret ? secret : undefined,
            timestamped: opts.timestamp,
            hasSecret: secret !== undefined,
            hasToken: config.webhook.tokens.length > 0,
            fetchRecords: config.zoho.fetchRecords,
          }),
        );
        return;
      }
      out(
        printZohoSetup({
          module,
          baseUrl,
          path: webhookPath(module),
          token: config.webhook.tokens[0],
          hmacOnly: config.webhook.tokens.length === 0 && config.webhook.secrets.length > 0,
          authDisabled: isWebhookAuthDisabled(config),
          fetchRecords: config.zoho.fetchRecords,
        }),
      );
    });
}
