import { type Config, isWebhookAuthDisabled } from '../config.js';
import { createDatabase, type DatabaseHandle } from '../db/create-database.js';
import { migrateToLatest } from '../db/migrate.js';
import { getEventStats } from '../event-log/get-event-stats.js';
import { MODULES, moduleMigrations, moduleSettings, type ZohoModule } from '../modules/index.js';
import { MOODLE_CORE_FUNCTIONS, type MoodleClient } from '../moodle/create-moodle-client.js';
import { MoodleException, MoodleTransportError } from '../moodle/moodle-errors.js';
import { createMoodleFromConfig } from '../moodle/moodle-from-config.js';
import { nodeSupportCheck } from './node-support.js';
import { type ZohoDoctorUse, zohoDoctorChecks } from './zoho-doctor-checks.js';
import { zohoDoctorUse } from './zoho-doctor-use.js';

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** How to fix it, for warn and fail. */
  fix?: string;
}

/** `mzi doctor`: checks configuration, database and Moodle, and says how to fix each problem. */
export async function runDoctor(
  config: Config,
  /** A running service's database and Moodle client; by default the doctor opens its own. */
  use: {
    database?: DatabaseHandle;
    moodle?: MoodleClient | undefined;
    /** The modules whose Moodle functions and checks count (default: MODULES). */
    modules?: readonly ZohoModule[];
    /** A running service's Zoho token check and usage counts; by default the doctor builds its own. */
    zoho?: ZohoDoctorUse;
    /**
     * False: no real Zoho call, for a page that runs the doctor on every view (each call costs an API credit).
     * Default true.
     */
    zohoCall?: boolean;
  } = {},
): Promise<DoctorCheck[]> {
  const modules = use.modules ?? MODULES;
  const checks: DoctorCheck[] = [
    { name: 'config', status: 'ok', detail: 'configuration is valid' },
    nodeSupportCheck(),
  ];

  if (isWebhookAuthDisabled(config)) {
    checks.push({
      name: 'webhook auth',
      status: 'warn',
      detail: 'webhook authentication is OFF: anyone who can reach the port can post events',
      fix: 'Set ZOHO_WEBHOOK_TOKEN to a long random value and add it to the Zoho webhooks (see `mzi zoho-setup student`).',
    });
  } else if (config.webhook.tokens.length === 0) {
    checks.push({
      name: 'webhook auth',
      status: 'warn',
      detail: 'only ZOHO_WEBHOOK_SECRET (HMAC) is set; Zoho workflow webhooks cannot sign requests',
      fix: 'Set ZOHO_WEBHOOK_TOKEN as well, or send from a Deluge function that signs with zoho.encryption.hmacsha256.',
    });
  } else {
    checks.push({
      name: 'webhook auth',
      status: 'ok',
      detail: `token${config.webhook.secrets.length > 0 ? ' and HMAC' : ''} authentication on`,
    });
  }

  const database = (() => {
    if (use.database) return use.database;
    try {
      return createDatabase(config.databaseUrl);
    } catch (error) {
      checks.push({
        name: 'database',
        status: 'fail',
        detail: (error as Error).message,
        fix: 'Check DATABASE_URL (sqlite:<path>) and that its folder is writable.',
      });
      return undefined;
    }
  })();
  if (database) {
    try {
      const migration = await migrateToLatest(database.db, moduleMigrations(modules));
      if (migration.error) throw migration.error;
      const stats = await getEventStats(database.db, { recent: 0 });
      const failed = stats.by_status.failed ?? 0;
      checks.push({
        name: 'database',
        status: 'ok',
        detail: `${database.description}: ${stats.total_events} events, ${stats.by_status.pending ?? 0} pending, ${failed} failed`,
      });
      if (failed > 0) {
        checks.push({
          name: 'failed events',
          status: 'warn',
          detail: `${failed} event(s) failed`,
          fix: 'See why with `mzi events list --status failed`; after fixing the cause, `mzi events retry --failed`.',
        });
      }
      checks.push(...(await zohoChecks(config, database.db, use.zoho, use.zohoCall ?? true)));
    } catch (error) {
      checks.push({
        name: 'database',
        status: 'fail',
        detail: `${database.description}: ${(error as Error).message}`,
        fix: 'Check disk space and file permissions of the database folder.',
      });
    } finally {
      if (!use.database) await database.close();
    }
  }

  const moodle = 'moodle' in use ? use.moodle : createMoodleFromConfig(config);
  if (!moodle) {
    checks.push({
      name: 'moodle',
      status: 'warn',
      detail: 'Moodle is not configured: Zoho records are mirrored locally only',
      fix: 'Set MOODLE_URL (the site address) and MOODLE_TOKEN (a web-service token) to provision Moodle users.',
    });
    return checks;
  }
  try {
    const site = await moodle.getSiteInfo();
    checks.push({
      name: 'moodle',
      status: 'ok',
      detail: `${site.sitename} (Moodle ${site.release}), token of user ${site.username}`,
    });
    for (const module of modules)
      checks.push(...(module.doctorChecks?.(moduleSettings(config, module), site) ?? []));
    const allowed = new Set(site.functions.map((f) => f.name));
    const used = moodleFunctionsUsed(modules);
    const missing = used.filter((name) => !allowed.has(name));
    checks.push(
      missing.length === 0
        ? {
            name: 'moodle functions',
            status: 'ok',
            detail: `the token's service allows all ${used.length} functions mzi calls`,
          }
        : {
            name: 'moodle functions',
            status: 'fail',
            detail: `the token's service does not allow: ${missing.join(', ')}`,
            fix: 'In Moodle: Site administration > Server > Web services > External services > (the service of this token) > Functions > Add functions, and add the ones listed.',
          },
    );
  } catch (error) {
    if (error instanceof MoodleException && error.errorcode === 'invalidtoken') {
      checks.push({
        name: 'moodle',
        status: 'fail',
        detail: 'Moodle does not know MOODLE_TOKEN (invalidtoken)',
        fix: 'Create a token in Moodle: Site administration > Server > Web services > Manage tokens, for a user with the capabilities to create and update users.',
      });
    } else if (error instanceof MoodleTransportError) {
      checks.push({
        name: 'moodle',
        status: 'fail',
        detail: error.message,
        fix: 'Check MOODLE_URL and that mzi can reach it; in Moodle enable web services and the REST protocol (Site administration > Server > Web services > Overview).',
      });
    } else {
      checks.push({
        name: 'moodle',
        status: 'fail',
        detail: (error as Error).message,
        fix: 'Check the web-service setup in Moodle (Site administration > Server > Web services > Overview).',
      });
    }
  }
  return checks;
}

/** The Zoho lines; a failure to check is a failed line, not a failed database. */
async function zohoChecks(
  config: Config,
  db: DatabaseHandle['db'],
  use: ZohoDoctorUse | undefined,
  call: boolean,
): Promise<DoctorCheck[]> {
  try {
    const { checkToken, ...rest } = use ?? (await zohoDoctorUse(config, db));
    return await zohoDoctorChecks(config, db, call ? { checkToken, ...rest } : rest);
  } catch (error) {
    return [{ name: 'zoho', status: 'fail', detail: (error as Error).message }];
  }
}

/** Every Moodle function mzi calls: its own health check's and each module's, in order, once. */
function moodleFunctionsUsed(modules: readonly ZohoModule[]): string[] {
  return [...new Set([...MOODLE_CORE_FUNCTIONS, ...modules.flatMap((module) => module.moodleFunctions)])];
}

/** Human-readable report: one line per check, fixes indented below. */
export function formatDoctor(checks: DoctorCheck[]): string {
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`[${mark[check.status]}] ${check.name}: ${check.detail}`);
    if (check.fix && check.status !== 'ok') lines.push(`       fix: ${check.fix}`);
  }
  return lines.join('\n');
}
