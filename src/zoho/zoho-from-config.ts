import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { createZohoClient, type ZohoClient, type ZohoClientOptions } from './create-zoho-client.js';
import { type CredentialsSource, envCredentials } from './zoho-credentials.js';

/**
 * The Zoho client, or undefined when no credentials can exist (never a stand-in that pretends).
 * Credentials: `credentials` when given (a stored connection, see `mzi zoho connect`), else the ZOHO_* settings.
 */
export function createZohoFromConfig(options: {
  config: Pick<Config, 'zoho'>;
  db: Kysely<Database>;
  logger?: Logger | undefined;
  credentials?: CredentialsSource | undefined;
  onCall?: ZohoClientOptions['onCall'];
  onTokenMint?: ZohoClientOptions['onTokenMint'];
}): ZohoClient | undefined {
  const credentials = options.credentials ?? envCredentials(options.config);
  if (!credentials) return undefined;
  return createZohoClient({
    db: options.db,
    credentials,
    timeoutMs: options.config.zoho.timeoutMs,
    logger: options.logger,
    onCall: options.onCall,
    onTokenMint: options.onTokenMint,
  });
}
