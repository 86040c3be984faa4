import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import proxyAddr from '@fastify/proxy-addr';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { MODULES, type ZohoModule } from './modules/index.js';
import { booleanSetting, duration } from './modules/shared/setting-types.js';
import { DEFAULT_INTAKE_LIMITS } from './webhooks/intake-limits.js';
import { ZOHO_DATA_CENTRES, type ZohoDataCentre } from './zoho/zoho-api.js';

export { duration } from './modules/shared/setting-types.js';

/** Every setting mzi reads, with its default. The README's configuration table mirrors this list. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** PostgreSQL: prepare the statements mzi runs often (off behind a pooler that cannot keep them). */
  readonly pgPreparedStatements: boolean;
  /** Where mzi keeps its own files (the generated admin token): DATA_DIR, else the SQLite file's folder, else ./data. */
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly publicUrl: string | undefined;
  readonly http: {
    /**
     * Whose X-Forwarded-For/-Proto/-Host are believed: nobody (false), every peer (true), the nearest N hops, or
     * peers at these addresses and CIDR ranges.
     */
    readonly trustProxy: TrustProxy;
    /** Longest wait for a request's headers, from its first byte (or from the connection), in seconds. */
    readonly headersTimeoutSeconds: number;
    /** Longest wait for a whole request, headers and body, in seconds. */
    readonly requestTimeoutSeconds: number;
  };
  readonly webhook: {
    /** Accepted HMAC secrets; several allow rotation. Empty with no tokens = authentication off. */
    readonly secrets: readonly string[];
    /** Accepted static tokens (header X-Webhook-Token or query ?token=). */
    readonly tokens: readonly string[];
    /** Allowed clock skew for timestamped signatures, in seconds. */
    readonly timestampToleranceSeconds: number;
    readonly bodyLimitBytes: number;
    /** Longest accepted field value, in characters. */
    readonly maxFieldLength: number;
    /** Most keys in one JSON object or parameters in one form. */
    readonly maxFields: number;
    /** Deepest accepted JSON nesting. */
    readonly maxJsonDepth: number;
    /** Most records in one `{"data": […]}` envelope. */
    readonly maxRecordsPerDelivery: number;
    /** Window in which identical content for the same record counts as a re-delivery, in seconds. */
    readonly dedupWindowSeconds: number;
  };
  readonly worker: {
    readonly enabled: boolean;
    /** Batches processed at once. */
    readonly concurrency: number;
    /** Events claimed, processed and committed together. */
    readonly batchSize: number;
    readonly pollIntervalMs: number;
    readonly leaseSeconds: number;
    readonly maxAttempts: number;
    /** Completed and duplicate events older than this many days are purged; 0 keeps them forever. */
    readonly retentionDays: number;
    /** Longest an event waits for the records of other modules it needs, in seconds; then it fails. */
    readonly dependencyWaitSeconds: number;
  };
  readonly adminToken: string | undefined;
  /** Bearer token of GET /metrics; when unset, the admin token opens it. */
  readonly metricsToken: string | undefined;
  readonly moodle: {
    readonly url: string | undefined;
    readonly token: string | undefined;
    /** Moodle calls in flight at once. */
    readonly concurrency: number;
    readonly timeoutMs: number;
  };
  /**
   * Zoho CRM's API (DESIGN.md §10). Credentials come from here or from `mzi zoho connect` (stored encrypted);
   * without either, mzi works from webhooks alone.
   */
  readonly zoho: {
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly refreshToken: string | undefined;
    readonly dataCentre: ZohoDataCentre | undefined;
    /** Overrides the accounts server ZOHO_DC selects (tests, private setups); never the CRM API's base URL. */
    readonly accountsUrl: string | undefined;
    /** Key that encrypts the stored refresh token, when not the generated key file in DATA_DIR. */
    readonly tokenKey: string | undefined;
    /** Fetch the current record by id before processing an insert or update. */
    readonly fetchRecords: boolean;
    /** Seconds between background catch-up syncs; 0 turns them off. */
    readonly syncIntervalSeconds: number;
    /** API credits per rolling 24 h past which background sync stops (live events go on); undefined = none. */
    readonly dailyCreditBudget: number | undefined;
    readonly timeoutMs: number;
  };
  /** Each module's own settings (its `settings` section), by module name: read them with `moduleSettings`. */
  readonly modules: Readonly<Record<string, unknown>>;
}

/** TRUST_PROXY, parsed: off, every peer, a hop count, or a list of addresses and ranges. */
export type TrustProxy = boolean | number | readonly string[];

const trustProxy = z
  .string()
  .optional()
  .transform((value, ctx): TrustProxy => {
    const text = (value ?? '').trim();
    if (['', '0', 'false', 'no', 'off'].includes(text.toLowerCase())) return false;
    if (['true', 'yes', 'on'].includes(text.toLowerCase())) return true;
    if (/^\d+$/.test(text)) return Number(text);
    const list = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    try {
      // The same parser Fastify uses, so whatever passes here is what the server trusts.
      proxyAddr.compile(list);
      return list;
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `must be false, true, a number of proxies, or the proxies' addresses and CIDR ranges separated by commas (such as 10.0.0.5,192.168.0.0/16 or loopback); ${(error as Error).message}`,
      });
      return z.NEVER;
    }
  });

const csv = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max}, got "${value}"`,
        });
        return z.NEVER;
      }
      return parsed;
    });

const envSchema = z.object({
  PORT: integer(8001, 0, 65535),
  HOST: z.string().optional().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .optional()
    .default('sqlite:./data/mzi.sqlite')
    .refine((v) => v === '' || /^(sqlite:|postgres(ql)?:\/\/)/.test(v), {
      message:
        'must start with sqlite: (e.g. sqlite:./data/mzi.sqlite) or postgres:// (e.g. postgres://user@host:5432/db)',
    }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .optional()
    .default('info'),
  PUBLIC_URL: optionalString,
  DATA_DIR: optionalString,
  TRUST_PROXY: trustProxy,
  HEADERS_TIMEOUT: duration(10).refine((v) => v >= 1 && v <= 3600, {
    message: 'must be from 1 second to 1 hour',
  }),
  REQUEST_TIMEOUT: duration(30).refine((v) => v >= 1 && v <= 3600, {
    message: 'must be from 1 second to 1 hour',
  }),
  ZOHO_WEBHOOK_SECRET: csv,
  ZOHO_WEBHOOK_TOKEN: csv,
  ZOHO_SIGNATURE_TOLERANCE: duration(300),
  BODY_LIMIT: integer(1024 * 1024, 1024, 64 * 1024 * 1024),
  MAX_FIELD_LENGTH: integer(DEFAULT_INTAKE_LIMITS.maxFieldLength, 100, 10 * 1024 * 1024),
  MAX_FIELDS: integer(DEFAULT_INTAKE_LIMITS.maxFields, 20, 100_000),
  MAX_JSON_DEPTH: integer(DEFAULT_INTAKE_LIMITS.maxJsonDepth, 2, 1_000),
  MAX_RECORDS_PER_DELIVERY: integer(DEFAULT_INTAKE_LIMITS.maxRecordsPerDelivery, 1, 1_000),
  DEDUP_WINDOW: duration(24 * 3600),
  WORKER_ENABLED: booleanSetting(true),
  PG_PREPARED_STATEMENTS: booleanSetting(true),
  WORKER_CONCURRENCY: integer(4, 1, 64),
  WORKER_BATCH_SIZE: integer(32, 1, 500),
  WORKER_POLL_INTERVAL_MS: integer(1000, 10, 60_000),
  WORKER_LEASE: duration(300),
  DEPENDENCY_WAIT: duration(24 * 3600).refine((v) => v >= 1, { message: 'must be at least 1 second' }),
  MAX_ATTEMPTS: integer(10, 1, 100),
  RETENTION_DAYS: integer(90, 0, 36500),
  ADMIN_TOKEN: optionalString,
  METRICS_TOKEN: optionalString,
  MOODLE_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be the base URL of the Moodle site, such as https://moodle.example.edu',
  }),
  MOODLE_TOKEN: optionalString,
  MOODLE_CONCURRENCY: integer(4, 1, 32),
  MOODLE_TIMEOUT: duration(15),
  ZOHO_CLIENT_ID: optionalString,
  ZOHO_CLIENT_SECRET: optionalString,
  ZOHO_REFRESH_TOKEN: optionalString,
  ZOHO_DC: z
    .string()
    .optional()
    .transform((value, ctx): ZohoDataCentre | undefined => {
      const text = (value ?? '').trim().toLowerCase();
      if (text === '') return undefined;
      if ((ZOHO_DATA_CENTRES as readonly string[]).includes(text)) return text as ZohoDataCentre;
      ctx.addIssue({
        code: 'custom',
        message: `must be the data centre of the Zoho account, one of ${ZOHO_DATA_CENTRES.join(', ')} (the domain you sign in at: zoho.eu is eu), got "${value}"`,
      });
      return z.NEVER;
    }),
  ZOHO_ACCOUNTS_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be the base URL of a Zoho accounts server, such as https://accounts.zoho.eu',
  }),
  ZOHO_TOKEN_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters (e.g. the output of `openssl rand -base64 32`)',
  }),
  ZOHO_FETCH_RECORDS: booleanSetting(false),
  ZOHO_SYNC_INTERVAL: duration(15 * 60),
  ZOHO_DAILY_CREDIT_BUDGET: integer(0, 0, 100_000_000),
  ZOHO_TIMEOUT: duration(30).refine((v) => v >= 1 && v <= 600, {
    message: 'must be from 1 second to 10 minutes',
  }),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads the configuration once: the process environment wins over an optional `.env` file.
 * Throws ConfigError naming every bad setting.
 */
export function loadConfig(
  options: {
    env?: NodeJS.ProcessEnv;
    dotenvPath?: string | null;
    /** Whose settings sections are read too (default: MODULES). */
    modules?: readonly ZohoModule[];
  } = {},
): Config {
  const env = options.env ?? process.env;
  const dotenvPath = options.dotenvPath === undefined ? '.env' : options.dotenvPath;
  const fromFile = dotenvPath !== null && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile, ...env };
  const parsed = envSchema.safeParse(merged);
  const issues = parsed.success ? [] : [...parsed.error.issues];
  const moduleSections: Record<string, unknown> = {};
  for (const module of options.modules ?? MODULES) {
    if (!module.settings) continue;
    const section = module.settings.schema.safeParse(merged);
    if (section.success) moduleSections[module.name] = section.data;
    else issues.push(...section.error.issues);
  }
  if (!parsed.success || issues.length > 0) {
    const lines = issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.MOODLE_URL === undefined) !== (e.MOODLE_TOKEN === undefined)) {
    throw new ConfigError(
      'Invalid configuration:\n  MOODLE_URL and MOODLE_TOKEN go together: set both to provision Moodle, or neither to keep a local mirror only.',
    );
  }
  if (e.HEADERS_TIMEOUT > e.REQUEST_TIMEOUT) {
    throw new ConfigError(
      `Invalid configuration:\n  HEADERS_TIMEOUT (${e.HEADERS_TIMEOUT} s) must not be longer than REQUEST_TIMEOUT (${e.REQUEST_TIMEOUT} s), which covers headers and body.`,
    );
  }
  checkZohoCredentials(e);
  const databaseUrl = e.DATABASE_URL === '' ? 'sqlite:./data/mzi.sqlite' : e.DATABASE_URL;
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl,
    pgPreparedStatements: e.PG_PREPARED_STATEMENTS,
    dataDir:
      e.DATA_DIR ??
      (databaseUrl.startsWith('sqlite:') && databaseUrl !== 'sqlite::memory:'
        ? dirname(databaseUrl.slice('sqlite:'.length) || './data/mzi.sqlite')
        : './data'),
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL,
    http: {
      trustProxy: e.TRUST_PROXY,
      headersTimeoutSeconds: e.HEADERS_TIMEOUT,
      requestTimeoutSeconds: e.REQUEST_TIMEOUT,
    },
    webhook: {
      secrets: e.ZOHO_WEBHOOK_SECRET,
      tokens: e.ZOHO_WEBHOOK_TOKEN,
      timestampToleranceSeconds: e.ZOHO_SIGNATURE_TOLERANCE,
      bodyLimitBytes: e.BODY_LIMIT,
      maxFieldLength: e.MAX_FIELD_LENGTH,
      maxFields: e.MAX_FIELDS,
      maxJsonDepth: e.MAX_JSON_DEPTH,
      maxRecordsPerDelivery: e.MAX_RECORDS_PER_DELIVERY,
      dedupWindowSeconds: e.DEDUP_WINDOW,
    },
    worker: {
      enabled: e.WORKER_ENABLED,
      concurrency: e.WORKER_CONCURRENCY,
      batchSize: e.WORKER_BATCH_SIZE,
      pollIntervalMs: e.WORKER_POLL_INTERVAL_MS,
      leaseSeconds: e.WORKER_LEASE,
      maxAttempts: e.MAX_ATTEMPTS,
      retentionDays: e.RETENTION_DAYS,
      dependencyWaitSeconds: e.DEPENDENCY_WAIT,
    },
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    moodle: {
      url: e.MOODLE_URL?.replace(/\/+$/, ''),
      token: e.MOODLE_TOKEN,
      concurrency: e.MOODLE_CONCURRENCY,
      timeoutMs: e.MOODLE_TIMEOUT * 1000,
    },
    zoho: {
      clientId: e.ZOHO_CLIENT_ID,
      clientSecret: e.ZOHO_CLIENT_SECRET,
      refreshToken: e.ZOHO_REFRESH_TOKEN,
      dataCentre: e.ZOHO_DC,
      accountsUrl: e.ZOHO_ACCOUNTS_URL?.replace(/\/+$/, ''),
      tokenKey: e.ZOHO_TOKEN_KEY,
      fetchRecords: e.ZOHO_FETCH_RECORDS,
      syncIntervalSeconds: e.ZOHO_SYNC_INTERVAL,
      dailyCreditBudget: e.ZOHO_DAILY_CREDIT_BUDGET === 0 ? undefined : e.ZOHO_DAILY_CREDIT_BUDGET,
      timeoutMs: e.ZOHO_TIMEOUT * 1000,
    },
    modules: moduleSections,
  });
}

/**
 * Zoho credentials in the environment go together: a refresh token needs the client that minted it and its
 * data centre (or an accounts URL). Set none of them to use `mzi zoho connect`, or to stay webhook-only.
 */
function checkZohoCredentials(e: z.infer<typeof envSchema>): void {
  const given = {
    ZOHO_CLIENT_ID: e.ZOHO_CLIENT_ID,
    ZOHO_CLIENT_SECRET: e.ZOHO_CLIENT_SECRET,
    ZOHO_REFRESH_TOKEN: e.ZOHO_REFRESH_TOKEN,
  };
  const missing = Object.entries(given)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (e.ZOHO_REFRESH_TOKEN !== undefined && missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  ZOHO_REFRESH_TOKEN needs ${missing.join(' and ')}: the refresh token works only with the client that minted it (Zoho API Console).`,
    );
  }
  if (e.ZOHO_REFRESH_TOKEN !== undefined && e.ZOHO_DC === undefined && e.ZOHO_ACCOUNTS_URL === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  ZOHO_REFRESH_TOKEN needs ZOHO_DC, the data centre of the Zoho account (us, eu, in, au, jp, ca, sa, cn, uk): a token works only with the accounts server that issued it.',
    );
  }
}

/** True when neither an HMAC secret nor a static token is configured. */
export function isWebhookAuthDisabled(config: Config): boolean {
  return config.webhook.secrets.length === 0 && config.webhook.tokens.length === 0;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
