import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import type { ZohoApi } from '../zoho/zoho-api.js';

/** What sync needs of a connected Zoho: its API, and the credits mzi spent on it. */
export interface SyncZoho {
  readonly api: ZohoApi;
  readonly creditsSince: ((since: Date) => Promise<number>) | undefined;
}

/** The Zoho client of this configuration, or undefined without Zoho credentials (webhooks only). */
export async function connectZoho(_options: {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
}): Promise<SyncZoho | undefined> {
  return undefined;
}
