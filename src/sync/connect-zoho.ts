import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import { createZohoFromConfig } from '../zoho/zoho-from-config.js';
import { creditsSpent, type ZohoCallReport } from '../zoho/zoho-usage.js';

/** What sync needs of a connected Zoho: its API, and the credits mzi spent on it. */
export interface SyncZoho {
  readonly api: ZohoApi;
  readonly creditsSince: ((since: Date) => Promise<number>) | undefined;
}

/** The Zoho client of this configuration, or undefined without Zoho credentials (webhooks only). */
export function connectZoho(options: {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  onCall?: ((call: ZohoCallReport) => void) | undefined;
}): SyncZoho | undefined {
  const { db } = options;
  const api = createZohoFromConfig({
    config: options.config,
    db,
    logger: options.logger,
    onCall: options.onCall,
  });
  if (!api) return undefined;
  return { api, creditsSince: (since) => creditsSpent(db, since.getTime()) };
}
