import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ZohoStatus } from '../zoho/create-zoho-client.js';
import { ZohoKeyMismatchError } from '../zoho/seal-secret.js';
import type { ZohoAccessCheck } from '../zoho/try-zoho-access.js';
import { describeZohoConnection, readZohoConnection } from '../zoho/zoho-connection-store.js';
import { credentialsFromEnv } from '../zoho/zoho-credentials.js';
import { missingZohoScopes, ZOHO_SCOPE_LIST, ZOHO_SCOPES } from '../zoho/zoho-scopes.js';
import { isPrivateKeyFile, resolveZohoTokenKey } from '../zoho/zoho-token-key.js';
import type { DoctorCheck } from './run-doctor.js';

/** What the Zoho checks read beyond the database: the live client's token check and its usage counts. */
export interface ZohoDoctorUse {
  /**
   * One real CRM call with the credentials in use, through the client every process shares (so its access token,
   * not a new one); `apiDomain` is the domain the token answer named. Undefined: no call is made.
   */
  checkToken?: (() => Promise<ZohoAccessCheck & { apiDomain?: string | undefined }>) | undefined;
  /** API credits mzi spent since a time. */
  creditsSince?: ((since: Date) => Promise<number>) | undefined;
  /** The client's view of the shared token: its API domain, scopes and the token requests of late. */
  status?: (() => Promise<ZohoStatus>) | undefined;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * `mzi doctor`'s and `mzi zoho status`'s Zoho lines: connected or not (webhook-only is fine), with what, the data
 * centre and API domain, the scopes, the credits of the last 24 h, and a real call when connected.
 */
export async function zohoDoctorChecks(
  config: Config,
  db: Kysely<Database>,
  use: ZohoDoctorUse = {},
): Promise<DoctorCheck[]> {
  const env = credentialsFromEnv(config);
  const stored = await describeZohoConnection(db);
  const checks: DoctorCheck[] = [];
  if (!env && !stored) {
    return [
      {
        name: 'zoho',
        status: 'ok',
        detail:
          "not connected: webhook-only. To fetch records, write Moodle ids back and catch up on missed webhooks, run `mzi zoho connect`, use the dashboard's Zoho page, or set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC",
      },
    ];
  }
  let apiDomain = env ? undefined : stored?.apiDomain;
  if (env) {
    checks.push({
      name: 'zoho',
      status: 'ok',
      detail: `connected with the ZOHO_* settings (token source: env), data centre ${env.dataCentre ?? 'unset'}, accounts server ${env.accountsUrl}${stored ? '; the stored connection (mzi zoho connect) is ignored while they are set' : ''}`,
    });
  } else if (stored) {
    const opened = await openStored(config, db);
    checks.push(
      opened === undefined
        ? {
            name: 'zoho',
            status: 'ok',
            detail: `connected with the stored connection (token source: stored, made ${stored.connectedVia === 'cli' ? 'with mzi zoho connect' : 'on the dashboard'} at ${stored.connectedAt.slice(0, 19).replace('T', ' ')} UTC), data centre ${stored.dataCentre ?? 'unset'}, accounts server ${stored.accountsUrl}`,
          }
        : { name: 'zoho', status: 'fail', detail: opened.message, fix: opened.fix },
    );
    checks.push(...keyFileChecks(config));
    checks.push(scopeCheck(stored.scopes));
    if (opened !== undefined) return checks;
  }
  if (use.checkToken) {
    const result = await use.checkToken();
    if (result.apiDomain) apiDomain = result.apiDomain;
    checks.push(
      result.ok
        ? { name: 'zoho token', status: 'ok', detail: 'a real CRM call succeeded with the token' }
        : {
            name: 'zoho token',
            status: result.kind === 'module' ? 'warn' : 'fail',
            detail: result.message,
            fix:
              result.kind === 'scope'
                ? `Connect again with a code generated for the scope ${ZOHO_SCOPE_LIST}.`
                : result.kind === 'module'
                  ? 'Check that the Zoho organisation has the module (Setup › Developer Hub › APIs › API names).'
                  : 'Check the data centre and that mzi can reach Zoho; if the token was revoked, run `mzi zoho connect` again (or set a new ZOHO_REFRESH_TOKEN).',
          },
    );
  }
  const status = await use.status?.().catch(() => undefined);
  apiDomain = status?.apiDomain ?? apiDomain;
  if (env && status && status.scopes.length > 0) checks.push(scopeCheck(status.scopes));
  if (status?.lastTokenRequest) {
    const { at, outcome } = status.lastTokenRequest;
    checks.push({
      name: 'zoho token requests',
      status:
        status.tokenMintsLast10Minutes >= 10 || (outcome !== undefined && outcome !== 'ok') ? 'warn' : 'ok',
      detail: `${status.tokenMintsLast10Minutes} in the last 10 minutes (Zoho allows 10); the latest, at ${at.slice(0, 19).replace('T', ' ')} UTC: ${outcome ?? 'no answer'}`,
      fix: 'Another program using the same refresh token shares its limit: give mzi a refresh token of its own (mzi zoho connect).',
    });
  }
  checks.push({
    name: 'zoho api domain',
    status: 'ok',
    detail: apiDomain
      ? `${apiDomain} (from Zoho's token answer)`
      : 'not known yet: it comes with the first token answer',
  });
  if (use.creditsSince) {
    const spent = await use.creditsSince(new Date(Date.now() - DAY_MS));
    const budget = config.zoho.dailyCreditBudget;
    checks.push({
      name: 'zoho credits',
      status: budget !== undefined && spent >= budget ? 'warn' : 'ok',
      detail: `${spent} API credit(s) spent in the last 24 h${budget !== undefined ? ` of a budget of ${budget} (ZOHO_DAILY_CREDIT_BUDGET)` : ', no budget set'}`,
      fix: 'Background sync stops until the 24 h window frees credits; live events go on. Raise ZOHO_DAILY_CREDIT_BUDGET if the plan allows.',
    });
  }
  return checks;
}

/** Why the stored connection cannot be opened, or undefined when it can. */
async function openStored(
  config: Config,
  db: Kysely<Database>,
): Promise<{ message: string; fix: string } | undefined> {
  const key = resolveZohoTokenKey(config, { create: false });
  try {
    if (!key) throw new ZohoKeyMismatchError();
    await readZohoConnection(db, key.key);
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return {
      message: error.message,
      fix: key
        ? `The key in use is ${key.source === 'config' ? 'ZOHO_TOKEN_KEY' : key.path}.`
        : `No key was found: neither ZOHO_TOKEN_KEY nor ${config.dataDir}/zoho-token-key.`,
    };
  }
}

function keyFileChecks(config: Config): DoctorCheck[] {
  const key = resolveZohoTokenKey(config, { create: false });
  if (!key?.path || isPrivateKeyFile(key.path)) return [];
  return [
    {
      name: 'zoho token key',
      status: 'warn',
      detail: `${key.path} may be read by other users`,
      fix: `chmod 600 ${key.path}`,
    },
  ];
}

function scopeCheck(granted: readonly string[]): DoctorCheck {
  if (granted.length === 0)
    return {
      name: 'zoho scopes',
      status: 'ok',
      detail: 'Zoho did not say which scopes it granted; the token check shows whether records can be read',
    };
  const missing = missingZohoScopes(granted);
  if (missing.length === 0) return { name: 'zoho scopes', status: 'ok', detail: granted.join(', ') };
  const purposes = ZOHO_SCOPES.filter(({ scope }) => missing.includes(scope)).map(
    ({ scope, purpose }) => `${scope} (to ${purpose})`,
  );
  return {
    name: 'zoho scopes',
    status: 'warn',
    detail: `granted ${granted.join(', ')}; missing ${purposes.join('; ')}`,
    fix: `Generate a new code with the scope ${ZOHO_SCOPE_LIST} and run \`mzi zoho connect\` again.`,
  };
}
