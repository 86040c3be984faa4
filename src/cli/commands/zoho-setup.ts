import type { Command } from 'commander';
import { isWebhookAuthDisabled } from '../../config.js';
import { webhookPath } from '../../http/webhook-urls.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';
import { printZohoSetup } from '../print-zoho-setup.js';

/** `mzi zoho-setup <module>`, one subcommand per module: the webhooks to configure in Zoho CRM. */
export function registerZohoSetupCommands(program: Command, context: CliContext): void {
  const setup = program.command('zoho-setup').description('print what to configure in Zoho CRM');
  for (const module of context.modules) registerZohoSetupModule(setup, module, context);
}

function registerZohoSetupModule(setup: Command, module: ZohoModule, { getConfig }: CliContext): void {
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
