import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { createCallLimiter } from '../http-client/call-limiter.js';
import { sendRequest, type ZohoTransport } from '../http-client/send-request.js';
import { createAccessTokenProvider } from './access-token-provider.js';
import { refreshAccessToken } from './zoho-accounts.js';
import type { ZohoApi, ZohoDataCentre } from './zoho-api.js';
import type { CredentialsSource } from './zoho-credentials.js';
import { deleteRecords, upsertRecords } from './zoho-record-writes.js';
import {
  getRecord,
  listDeletedRecords,
  listRecords,
  listWebhookFailures,
  updateRecords,
} from './zoho-records.js';
import type { RequesterState, RetrySettings } from './zoho-requester.js';
import { withZohoTables } from './zoho-tables.js';
import { createUsageRecorder, creditsSpent, type ZohoCallReport } from './zoho-usage.js';

/** What `mzi doctor` and the dashboard show of the Zoho connection. Reading it never calls Zoho. */
export interface ZohoStatus {
  /** Credentials exist (settings or a stored connection). */
  connected: boolean;
  dataCentre: ZohoDataCentre | undefined;
  accountsUrl: string | undefined;
  /** The `api_domain` of the current token; undefined before the first one. */
  apiDomain: string | undefined;
  scopes: string[];
  tokenExpiresAt: string | undefined;
  /** Requests to Zoho's token endpoint in the last 10 minutes (Zoho allows 10). */
  tokenMintsLast10Minutes: number;
  /** The latest request to the token endpoint: when, and `ok` or the error code (`zoho.invalid_code`…). */
  lastTokenRequest: { at: string; outcome: string | undefined } | undefined;
  creditsLast24h: number;
}

/** Zoho's CRM API as mzi uses it, with the state of the connection. */
export interface ZohoClient extends ZohoApi {
  status(): Promise<ZohoStatus>;
}

export interface ZohoClientOptions {
  /** The database holding the shared token, the mint log and the usage counts (migrated). */
  db: Kysely<Database>;
  credentials: CredentialsSource;
  /** Per request, from sending to the last byte of the answer. Default 30 000. */
  timeoutMs?: number | undefined;
  transport?: ZohoTransport | undefined;
  /**
   * Calls this process has in flight at once; more wait their turn. Default 5, the Free edition's limit: Zoho
   * counts every process of the app together, so keep processes × this within the edition's.
   */
  maxConcurrency?: number | undefined;
  retry?: Partial<RetrySettings> | undefined;
  /** Renew the shared token this long before it expires. Default 5 minutes. */
  refreshAheadMs?: number | undefined;
  /** How long one process may take to renew the token before another may. Default timeout + 30 s. */
  tokenLeaseMs?: number | undefined;
  logger?: Logger | undefined;
  /** Told of every call, for metrics: its type, outcome, duration and credits (never its data). */
  onCall?: ((call: ZohoCallReport) => void) | undefined;
  /** Told of every request to the token endpoint: `ok` or the error code. */
  onTokenMint?: ((outcome: string) => void) | undefined;
  now?: (() => number) | undefined;
}

/** Creates the typed Zoho CRM client over Node's HTTP (DESIGN.md §10). */
export function createZohoClient(options: ZohoClientOptions): ZohoClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const transport = options.transport ?? sendRequest;
  const now = options.now ?? Date.now;
  const db = withZohoTables(options.db);
  const tokens = createAccessTokenProvider({
    db,
    credentials: options.credentials,
    mint: (credentials) => refreshAccessToken(credentials, { transport, timeoutMs }),
    leaseMs: options.tokenLeaseMs ?? timeoutMs + 30_000,
    now,
    logger: options.logger,
    ...(options.refreshAheadMs === undefined ? {} : { refreshAheadMs: options.refreshAheadMs }),
    ...(options.onTokenMint ? { onMint: options.onTokenMint } : {}),
  });
  const state: RequesterState = {
    tokens,
    transport,
    limit: createCallLimiter(options.maxConcurrency ?? 5),
    timeoutMs,
    retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000, ...options.retry },
    usage: createUsageRecorder(options.db, (error) =>
      options.logger?.warn({ err: error }, 'could not count Zoho API calls'),
    ),
    now,
    logger: options.logger,
    onCall: options.onCall,
  };
  return {
    getRecord: (module, id) => getRecord(state, module, id),
    updateRecords: (module, records) => updateRecords(state, module, records),
    upsertRecords: (module, records, duplicateCheckFields) =>
      upsertRecords(state, module, records, duplicateCheckFields),
    deleteRecords: (module, ids) => deleteRecords(state, module, ids),
    listRecords: (module, list) => listRecords(state, module, list),
    listDeletedRecords: (module, list) => listDeletedRecords(state, module, list),
    listWebhookFailures: () => listWebhookFailures(state),
    status: async () => {
      await state.usage.flushed();
      return await readStatus(options, now);
    },
  };
}

async function readStatus(options: ZohoClientOptions, now: () => number): Promise<ZohoStatus> {
  const db = withZohoTables(options.db);
  const credentials = await options.credentials();
  const row = await db.selectFrom('zoho_access_token').selectAll().where('id', '=', 1).executeTakeFirst();
  const mints = await db
    .selectFrom('zoho_token_mints')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('requested_at', '>=', new Date(now() - 10 * 60_000).toISOString())
    .executeTakeFirst();
  const last = await db
    .selectFrom('zoho_token_mints')
    .select(['requested_at', 'outcome'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    connected: credentials !== undefined,
    dataCentre: credentials?.dataCentre,
    accountsUrl: credentials?.accountsUrl,
    apiDomain: row?.api_domain ?? undefined,
    scopes: row?.scope ? row.scope.split(/[\s,]+/).filter(Boolean) : [],
    tokenExpiresAt: row?.access_token ? (row.expires_at ?? undefined) : undefined,
    tokenMintsLast10Minutes: Number(mints?.count ?? 0),
    lastTokenRequest: last ? { at: last.requested_at, outcome: last.outcome ?? undefined } : undefined,
    creditsLast24h: await creditsSpent(options.db, now() - 24 * 3600_000),
  };
}
