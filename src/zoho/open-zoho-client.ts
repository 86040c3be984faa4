import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import type { ZohoClient, ZohoClientOptions } from './create-zoho-client.js';
import { createZohoCredentialsSource, zohoCredentialsOrigin } from './zoho-credentials-source.js';
import { createZohoFromConfig } from './zoho-from-config.js';

/**
 * The Zoho client of this configuration: credentials from the ZOHO_* settings, or else from the stored
 * connection (read at each token mint, so a reconnect takes effect without a restart); undefined when there
 * are neither, and mzi stays webhook-only.
 */
export async function openZohoClient(options: {
  config: Config;
  db: Kysely<Database>;
  logger?: Logger | undefined;
  onCall?: ZohoClientOptions['onCall'];
  onTokenMint?: ZohoClientOptions['onTokenMint'];
}): Promise<ZohoClient | undefined> {
  if ((await zohoCredentialsOrigin(options.config, options.db)) === 'none') return undefined;
  return createZohoFromConfig({ ...options, credentials: createZohoCredentialsSource(options) });
}
