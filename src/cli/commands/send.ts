import { type Command, Option } from 'commander';
import { webhookPath } from '../../http/webhook-urls.js';
import { fromZoho } from '../../modules/index.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';
import { sendDelivery } from '../send-delivery.js';

interface SendOptions {
  operation: string;
  field?: string[];
  recordId?: string;
  format: 'form' | 'json';
  url?: string;
}

/** `mzi send <module>`, one subcommand per module: posts a test delivery to a running mzi. */
export function registerSendCommands(program: Command, context: CliContext): void {
  const send = program.command('send').description('post a test delivery to a running mzi');
  for (const module of fromZoho(context.modules)) registerSendModule(send, module, context);
}

function registerSendModule(send: Command, module: ZohoModule, { getConfig }: CliContext): void {
  send
    .command(module.name)
    .description(`post a Zoho-shaped ${module.name} delivery (signed or with the token) and print the reply`)
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
    .action(async (opts: SendOptions) => {
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
    });
}
