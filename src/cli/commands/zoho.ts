import type { Command } from 'commander';
import { formatDoctor } from '../../admin/run-doctor.js';
import { zohoDoctorChecks } from '../../admin/zoho-doctor-checks.js';
import { zohoDoctorUse } from '../../admin/zoho-doctor-use.js';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { connectWithGrantCode } from '../../zoho/connect-with-grant-code.js';
import { removeZohoConnection } from '../../zoho/remove-zoho-connection.js';
import { ZOHO_DATA_CENTRES, type ZohoDataCentre } from '../../zoho/zoho-api.js';
import { describeZohoConnection } from '../../zoho/zoho-connection-store.js';
import { credentialsFromEnv } from '../../zoho/zoho-credentials.js';
import { zohoAccountsUrl } from '../../zoho/zoho-credentials-source.js';
import { ZOHO_SCOPE_LIST, ZOHO_SCOPES } from '../../zoho/zoho-scopes.js';
import { resolveZohoTokenKey } from '../../zoho/zoho-token-key.js';
import type { CliContext } from '../cli-context.js';
import { err, out } from '../output.js';
import { canPrompt, prompt } from '../prompt.js';
import { withDatabase } from '../with-database.js';

interface ConnectOptions {
  code?: string;
  clientId?: string;
  clientSecret?: string;
  dc?: string;
  accountsUrl?: string;
}

/** `mzi zoho connect | disconnect | status`: the connection to Zoho CRM's API. */
export function registerZohoCommands(program: Command, context: CliContext): void {
  const zoho = program
    .command('zoho')
    .description("connect mzi to Zoho CRM's API, show the connection, or remove it");

  zoho
    .command('connect')
    .description(
      'exchange a Self Client grant code for a refresh token, check it with a real call, and store it encrypted',
    )
    .option('--code <code>', 'the grant code (API Console › Self Client › Generate Code); asked when missing')
    .option('--client-id <id>', "the Self Client's client id; asked when missing")
    .option('--client-secret <secret>', "the Self Client's client secret; asked (not echoed) when missing")
    .option(
      '--dc <dc>',
      `data centre of the Zoho account: ${ZOHO_DATA_CENTRES.join(', ')} (default: ZOHO_DC)`,
    )
    .option(
      '--accounts-url <url>',
      "accounts server instead of the data centre's (default: ZOHO_ACCOUNTS_URL)",
    )
    .addHelpText(
      'after',
      `\nThe Self Client's code must be generated with the scope:\n  ${ZOHO_SCOPE_LIST}\n`,
    )
    .action(async (opts: ConnectOptions) => connect(context, opts));

  zoho
    .command('disconnect')
    .description('remove the stored connection and revoke its refresh token at Zoho')
    .option('--no-revoke', 'only forget it here (when Zoho cannot be reached)')
    .action(async (opts: { revoke: boolean }) => disconnect(context.getConfig(), opts.revoke));

  zoho
    .command('status')
    .description(
      'the Zoho lines of mzi doctor: connection, data centre, API domain, scopes, credits, a real call',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = context.getConfig();
      const checks = await withDatabase(config, async (db) =>
        zohoDoctorChecks(config, db, await zohoDoctorUse(config, db)),
      );
      out(opts.json ? JSON.stringify(checks, null, 2) : formatDoctor(checks));
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}

async function connect(context: CliContext, opts: ConnectOptions): Promise<void> {
  const config = context.getConfig();
  const testModule = context.modules[0]?.zohoApiName;
  if (!testModule) throw new AppError('zoho.no_module', 'mzi serves no module to test the token with.');
  const interactive = canPrompt();
  if (interactive && (opts.code === undefined || opts.clientId === undefined)) {
    err(
      'In the Zoho API Console (api-console.zoho.com, or .eu, .in… of your data centre), open the Self Client:',
    );
    err(`  Client Secret tab: the client id and secret. Generate Code tab: scope ${ZOHO_SCOPE_LIST}`);
    for (const { scope, purpose } of ZOHO_SCOPES) err(`    ${scope}: to ${purpose}`);
    err('  Time duration: 10 minutes is enough; paste the code below soon after.');
  }
  const dataCentre = await dataCentreOf(opts.dc ?? config.zoho.dataCentre, opts.accountsUrl, interactive);
  const accountsUrl = zohoAccountsUrl({
    dataCentre,
    accountsUrl: opts.accountsUrl ?? config.zoho.accountsUrl,
  });
  if (accountsUrl === undefined || !/^https?:\/\/[^\s/]+/.test(accountsUrl))
    throw usage(
      '--accounts-url must be the base URL of a Zoho accounts server, such as https://accounts.zoho.eu.',
    );
  const clientId = await ask(opts.clientId, 'Client id: ', '--client-id', { hidden: false, interactive });
  const clientSecret = await ask(opts.clientSecret, 'Client secret: ', '--client-secret', {
    hidden: true,
    interactive,
  });
  const code = await ask(opts.code, 'Grant code: ', '--code', { hidden: true, interactive });

  await withDatabase(config, async (db) => {
    const key = resolveZohoTokenKey(config, { create: true });
    if (!key) throw new AppError('zoho.no_key', 'No key for the Zoho connection; set ZOHO_TOKEN_KEY.');
    const result = await connectWithGrantCode({
      db,
      key: key.key,
      clientId,
      clientSecret,
      code,
      dataCentre,
      accountsUrl,
      via: 'cli',
      testModule,
      timeoutMs: config.zoho.timeoutMs,
    });
    out(
      `Connected to Zoho CRM: data centre ${result.info.dataCentre ?? 'unset'}, accounts server ${result.info.accountsUrl}, API domain ${result.info.apiDomain}.`,
    );
    out(
      `Scopes granted: ${result.info.scopes.length > 0 ? result.info.scopes.join(', ') : '(Zoho did not say)'}`,
    );
    out(
      `The refresh token is stored encrypted in the database; its key is ${key.source === 'config' ? 'ZOHO_TOKEN_KEY' : `${key.path}${key.generated ? ' (created now, mode 0600: back it up with DATA_DIR; without it the connection cannot be opened)' : ''}`}.`,
    );
    out(
      'mzi processes that started without a Zoho connection use this one once restarted (fetching records, Moodle ids back, sync); a reconnect is used at once.',
    );
    if (!result.check.ok) err(`warning: ${result.check.message}.`);
    if (result.missingScopes.length > 0)
      err(
        `warning: Zoho did not grant ${result.missingScopes.join(', ')}; generate a code with the scope ${ZOHO_SCOPE_LIST} and connect again.`,
      );
    if (credentialsFromEnv(config))
      err(
        'warning: ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN are set: those settings win over the stored connection until you remove them.',
      );
  });
}

async function disconnect(config: Config, revoke: boolean): Promise<void> {
  await withDatabase(config, async (db) => {
    const info = await describeZohoConnection(db);
    if (!info) {
      out('No Zoho connection is stored.');
    } else {
      const failure = await removeZohoConnection(config, db, {
        revoke,
        noTokenReason: 'the key in use cannot open it',
      });
      const revoked = !revoke
        ? 'not revoked at Zoho (--no-revoke)'
        : failure === undefined
          ? 'its refresh token is revoked at Zoho'
          : `its refresh token could not be revoked (${failure}): remove it in Zoho (accounts › Sessions › Connected Apps, or the Self Client in the API Console)`;
      out(`The stored Zoho connection is removed; ${revoked}.`);
    }
    if (credentialsFromEnv(config))
      err('note: the ZOHO_* settings still connect mzi to Zoho; remove ZOHO_REFRESH_TOKEN to stop that.');
  });
}

async function dataCentreOf(
  given: string | undefined,
  accountsUrl: string | undefined,
  interactive: boolean,
): Promise<ZohoDataCentre | undefined> {
  let value = given?.trim().toLowerCase();
  if (value === undefined && accountsUrl === undefined && interactive)
    value = (
      await prompt(`Data centre (${ZOHO_DATA_CENTRES.join(', ')}): `, { hidden: false })
    ).toLowerCase();
  if (value === undefined) {
    if (accountsUrl !== undefined) return undefined;
    throw usage(
      `--dc is missing: the data centre of the Zoho account, one of ${ZOHO_DATA_CENTRES.join(', ')}.`,
    );
  }
  if (!(ZOHO_DATA_CENTRES as readonly string[]).includes(value))
    throw usage(
      `--dc must be one of ${ZOHO_DATA_CENTRES.join(', ')} (the domain you sign in at: zoho.eu is eu).`,
    );
  return value as ZohoDataCentre;
}

async function ask(
  given: string | undefined,
  question: string,
  flag: string,
  options: { hidden: boolean; interactive: boolean },
): Promise<string> {
  const value = given?.trim() || (options.interactive ? await prompt(question, options) : '');
  if (value === '')
    throw usage(`${flag} is missing${options.interactive ? '' : ' (no terminal to ask on)'}.`);
  return value;
}

const usage = (message: string) => new AppError('invalid_option', message, { status: 400 });
