import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/schema.js';
import { accountsUrlFor, credentialsFromEnv } from '../../src/zoho/zoho-credentials.js';
import { createZohoFromConfig } from '../../src/zoho/zoho-from-config.js';

const load = (env: Record<string, string>) => loadConfig({ env, dotenvPath: null });
const CREDENTIALS = {
  ZOHO_CLIENT_ID: '1000.CLIENT',
  ZOHO_CLIENT_SECRET: 'secret',
  ZOHO_REFRESH_TOKEN: '1000.refresh',
};
// Building a client runs no query; only its calls do.
const db = { withTables: () => db } as unknown as Kysely<Database>;

describe('createZohoFromConfig', () => {
  it('gives no client without credentials, so nothing can pretend to call Zoho', () => {
    expect(createZohoFromConfig({ config: load({}), db })).toBeUndefined();
  });

  it('reads the ZOHO_* credentials, with the accounts server of the data centre', () => {
    const config = load({ ...CREDENTIALS, ZOHO_DC: 'au' });
    expect(credentialsFromEnv(config)).toEqual({
      clientId: '1000.CLIENT',
      clientSecret: 'secret',
      refreshToken: '1000.refresh',
      accountsUrl: 'https://accounts.zoho.com.au',
      dataCentre: 'au',
    });
    expect(createZohoFromConfig({ config, db })).toBeDefined();
  });

  it('lets ZOHO_ACCOUNTS_URL override the data centre', () => {
    const config = load({ ...CREDENTIALS, ZOHO_DC: 'eu', ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:9/' });
    expect(accountsUrlFor(config)).toBe('http://127.0.0.1:9');
  });

  it('uses a stored connection when one is given', async () => {
    const stored = async () => ({
      clientId: 'c',
      clientSecret: 's',
      refreshToken: 'r',
      accountsUrl: 'https://accounts.zoho.eu',
    });
    const zoho = createZohoFromConfig({ config: load({}), db, credentials: stored });
    expect(zoho).toBeDefined();
  });
});
