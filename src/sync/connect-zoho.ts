import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { openZohoClient } from '../zoho/open-zoho-client.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import type { ZohoCallReport } from '../zoho/zoho-usage.js';

/** What sync needs of a connected Zoho: its API, and the credits mzi spent on it. */
export interface SyncZoho {
  readonly api: ZohoApi;
  /** API credits spent in the last 24 hours (Zoho's rolling window), the calls of this process included. */
  readonly creditsLast24h: () => Promise<number>;
}

/**
 * The Zoho client of this configuration (the ZOHO_* settings, else the connection `mzi zoho connect` stored),
 * or undefined without either (webhooks only).
 */
export async function connectZoho(options: {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  onCall?: ((call: ZohoCallReport) => void) | undefined;
}): Promise<SyncZoho | undefined> {
  const client = await openZohoClient({
    config: options.config,
    db: options.db,
    logger: options.logger,
    onCall: options.onCall,
  });
  if (!client) return undefined;
  // The client's status writes out the calls it has counted before it reads the total.
  return { api: client, creditsLast24h: async () => (await client.status()).creditsLast24h };
}
