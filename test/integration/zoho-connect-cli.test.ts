import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/create-database.js';
import { openZohoClient } from '../../src/zoho/open-zoho-client.js';
import { readZohoConnection } from '../../src/zoho/zoho-connection-store.js';
import { createZohoCredentialsSource } from '../../src/zoho/zoho-credentials-source.js';
import { ZohoError } from '../../src/zoho/zoho-errors.js';
import { resolveZohoTokenKey } from '../../src/zoho/zoho-token-key.js';
import { type FakeZoho, startFakeZoho } from '../helpers/fake-zoho.js';
import { runMziAsync as runMzi } from '../helpers/mzi-process.js';
import { storedZohoConnectionRows } from '../helpers/stored-zoho-connection.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let zoho: FakeZoho;
beforeEach(async () => {
  testDb = await createTestDatabase();
  zoho = await startFakeZoho();
  zoho.state.seed('BTEC_Students', 1);
});
afterEach(async () => {
  await zoho.close();
  await testDb.drop();
});

const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: testDb.url,
  DATA_DIR: testDb.dir,
  ...extra,
});

const connectArgs = (code: string, extra: string[] = []) => [
  'zoho',
  'connect',
  '--code',
  code,
  '--client-id',
  zoho.state.clientId,
  '--client-secret',
  zoho.state.clientSecret,
  '--dc',
  'eu',
  '--accounts-url',
  zoho.accountsUrl,
  ...extra,
];

/** The refresh tokens the fake issued besides the one it started with. */
const newRefreshTokens = () =>
  [...zoho.state.refreshTokens.keys()].filter((t) => t !== zoho.credentials.refreshToken);

const storedRows = () => storedZohoConnectionRows(testDb.url);

describe('mzi zoho connect', () => {
  it('exchanges a Self Client code, checks it with a real call, and stores it sealed under a 0600 key file', async () => {
    const code = zoho.state.issueGrantCode();
    const result = await runMzi(connectArgs(code), env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `Connected to Zoho CRM: data centre eu, accounts server ${zoho.accountsUrl}, API domain ${zoho.apiDomain}.`,
    );
    expect(result.stdout).toContain(
      'Scopes granted: ZohoCRM.modules.ALL, ZohoCRM.settings.automation_actions.READ',
    );
    expect(result.stdout).toContain('zoho-token-key (created now, mode 0600');
    expect(zoho.state.counts.calls['GET /crm/v8/{module}']).toBe(1);
    expect(result.stderr).toBe('');

    const keyPath = join(testDb.dir, 'zoho-token-key');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const [refreshToken] = newRefreshTokens();
    expect(refreshToken).toBeDefined();
    const secrets = [refreshToken as string, zoho.state.clientSecret, zoho.state.clientId, code];
    for (const text of [result.stdout, result.stderr])
      for (const secret of secrets) expect(text).not.toContain(secret);

    const rows = await storedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      data_centre: 'eu',
      accounts_url: zoho.accountsUrl,
      api_domain: zoho.apiDomain,
      connected_via: 'cli',
    });
    const rowText = JSON.stringify(rows);
    for (const secret of secrets) expect(rowText).not.toContain(secret);
    if (TEST_DIALECT === 'sqlite') {
      // The file itself, free pages and journal included, never holds a secret in the clear.
      const file = readFileSync(testDb.url.replace(/^sqlite:/, '')).toString('latin1');
      for (const secret of secrets) expect(file).not.toContain(secret);
    }

    const config = loadConfig({ env: env(), dotenvPath: null });
    const handle = createDatabase(testDb.url);
    try {
      const key = resolveZohoTokenKey(config, { create: false })?.key as Buffer;
      expect((await readZohoConnection(handle.db, key))?.refreshToken).toBe(refreshToken);
      expect(await createZohoCredentialsSource({ config, db: handle.db })()).toEqual({
        clientId: zoho.state.clientId,
        clientSecret: zoho.state.clientSecret,
        refreshToken,
        accountsUrl: zoho.accountsUrl,
        dataCentre: 'eu',
      });
    } finally {
      await handle.close();
    }
  });

  it('says an expired or used code must be generated again, and stores nothing', async () => {
    const code = zoho.state.issueGrantCode();
    expect((await runMzi(connectArgs(code), env())).code).toBe(0);
    const again = await runMzi(connectArgs(code), env());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('Zoho refused the grant code (invalid_code): it has expired');
    expect(again.stderr).toContain('Generate a new code');

    const other = await createTestDatabase();
    try {
      const bad = await runMzi(connectArgs('1000.nonsense'), {
        DATABASE_URL: other.url,
        DATA_DIR: other.dir,
      });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('invalid_code');
    } finally {
      await other.drop();
    }
  });

  it('names the data centre when the accounts server does not know the client', async () => {
    const result = await runMzi(
      [
        'zoho',
        'connect',
        '--code',
        zoho.state.issueGrantCode(),
        '--client-id',
        '1000.OTHER',
        '--client-secret',
        's',
        '--accounts-url',
        zoho.accountsUrl,
      ],
      env(),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not know this client id (invalid_client)');
    expect(result.stderr).toContain('the data centre');
    expect(await storedRows()).toEqual([]);
  });

  it('refuses a code without the scopes mzi needs, revokes the token it got, and stores nothing', async () => {
    const result = await runMzi(
      connectArgs(zoho.state.issueGrantCode('ZohoCRM.settings.automation_actions.READ')),
      env(),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('lacks a scope mzi needs');
    expect(result.stderr).toContain('ZohoCRM.modules.ALL,ZohoCRM.settings.automation_actions.READ');
    expect(newRefreshTokens()).toEqual([]);
    expect(await storedRows()).toEqual([]);
  });

  it('stores a connection to an organisation without the module, saying so', async () => {
    zoho.state.modules.delete('BTEC_Students');
    const result = await runMzi(connectArgs(zoho.state.issueGrantCode()), env());
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: Zoho CRM has no module BTEC_Students in this organisation (INVALID_MODULE)',
    );
    expect(await storedRows()).toHaveLength(1);
  });

  it('asks for nothing without a terminal: it names the missing flags', async () => {
    const result = await runMzi(['zoho', 'connect', '--dc', 'eu'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--client-id is missing (no terminal to ask on)');
  });
});

describe('mzi zoho status, doctor and disconnect', () => {
  it('says webhook-only without a connection, and that is no failure', async () => {
    const status = await runMzi(['zoho', 'status'], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('[ok  ] zoho: not connected: webhook-only');
    const doctor = await runMzi(['doctor'], env());
    expect(doctor.stdout).toContain('[ok  ] zoho: not connected: webhook-only');
    expect(doctor.stdout).not.toContain('zoho token');
  });

  it('shows the stored connection, its scopes and a real call; the ZOHO_* settings win over it', async () => {
    expect((await runMzi(connectArgs(zoho.state.issueGrantCode()), env())).code).toBe(0);
    const stored = await runMzi(['zoho', 'status'], env());
    expect(stored.code, stored.stdout).toBe(0);
    expect(stored.stdout).toContain(
      'zoho: connected with the stored connection (token source: stored, made with mzi zoho connect',
    );
    expect(stored.stdout).toContain('data centre eu');
    expect(stored.stdout).toContain(
      'zoho scopes: ZohoCRM.modules.ALL, ZohoCRM.settings.automation_actions.READ',
    );
    expect(stored.stdout).toContain(`zoho api domain: ${zoho.apiDomain}`);
    expect(stored.stdout).toContain('[ok  ] zoho token: a real CRM call succeeded with the token');
    // The connect's test call and the status's real call, each one credit.
    expect(zoho.state.counts.calls['GET /crm/v8/{module}']).toBe(2);
    expect(stored.stdout).toContain(
      '[ok  ] zoho credits: 2 API credit(s) spent in the last 24 h, no budget set',
    );
    const doctor = await runMzi(['doctor'], env({ ZOHO_DAILY_CREDIT_BUDGET: '2' }));
    expect(doctor.stdout).toContain('[ok  ] zoho: connected with the stored connection');
    expect(doctor.stdout).toContain(
      '[WARN] zoho credits: 3 API credit(s) spent in the last 24 h of a budget of 2',
    );

    const withEnv = await runMzi(
      ['zoho', 'status'],
      env({
        ZOHO_CLIENT_ID: zoho.state.clientId,
        ZOHO_CLIENT_SECRET: zoho.state.clientSecret,
        ZOHO_REFRESH_TOKEN: zoho.credentials.refreshToken,
        ZOHO_ACCOUNTS_URL: zoho.accountsUrl,
      }),
    );
    expect(withEnv.stdout).toContain('zoho: connected with the ZOHO_* settings (token source: env)');
    expect(withEnv.stdout).toContain(
      'the stored connection (mzi zoho connect) is ignored while they are set',
    );
    expect(withEnv.stdout).toContain('[ok  ] zoho token: a real CRM call succeeded');
    // The env token's own scopes, from Zoho's token answer; two token requests so far, one per connection.
    expect(withEnv.stdout).toContain(
      '[ok  ] zoho scopes: ZohoCRM.modules.ALL, ZohoCRM.settings.automation_actions.READ',
    );
    expect(withEnv.stdout).toMatch(
      /\[ok {2}\] zoho token requests: 2 in the last 10 minutes \(Zoho allows 10\); the latest, at [\d-]+ [\d:]+ UTC: ok/,
    );

    const config = loadConfig({
      env: env({
        ZOHO_CLIENT_ID: 'env-id',
        ZOHO_CLIENT_SECRET: 'env-secret',
        ZOHO_REFRESH_TOKEN: 'env-token',
        ZOHO_DC: 'in',
      }),
      dotenvPath: null,
    });
    const handle = createDatabase(testDb.url);
    try {
      expect(await createZohoCredentialsSource({ config, db: handle.db })()).toMatchObject({
        clientId: 'env-id',
        refreshToken: 'env-token',
        accountsUrl: 'https://accounts.zoho.in',
      });
    } finally {
      await handle.close();
    }
  });

  it('fails clearly, without a crash, when the key is not the one the connection was sealed with', async () => {
    expect(
      (await runMzi(connectArgs(zoho.state.issueGrantCode()), env({ ZOHO_TOKEN_KEY: 'a'.repeat(40) }))).code,
    ).toBe(0);
    const message =
      'The stored Zoho connection was encrypted with another key: set ZOHO_TOKEN_KEY back or run mzi zoho connect again.';
    const status = await runMzi(['zoho', 'status'], env({ ZOHO_TOKEN_KEY: 'b'.repeat(40) }));
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`[FAIL] zoho: ${message}`);
    const doctor = await runMzi(['doctor'], env({ ZOHO_TOKEN_KEY: 'b'.repeat(40) }));
    expect(doctor.stdout).toContain(`[FAIL] zoho: ${message}`);
    expect(doctor.stderr).not.toContain('    at ');
    const noKey = await runMzi(['zoho', 'status'], env());
    expect(noKey.stdout).toContain(message);

    // The client a worker uses fails its calls with the same message, as a permanent Zoho error.
    const config = loadConfig({ env: env({ ZOHO_TOKEN_KEY: 'b'.repeat(40) }), dotenvPath: null });
    const handle = createDatabase(testDb.url);
    try {
      const client = await openZohoClient({ config, db: handle.db });
      const failure = await client?.getRecord('BTEC_Students', '1').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ZohoError);
      expect(failure).toMatchObject({ code: 'zoho.key_mismatch', message, retryable: false });
    } finally {
      await handle.close();
    }
  });

  it('disconnects: the refresh token is revoked at Zoho and the stored connection is gone', async () => {
    expect((await runMzi(connectArgs(zoho.state.issueGrantCode()), env())).code).toBe(0);
    expect(newRefreshTokens()).toHaveLength(1);
    const result = await runMzi(['zoho', 'disconnect'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'The stored Zoho connection is removed; its refresh token is revoked at Zoho.',
    );
    expect(newRefreshTokens()).toEqual([]);
    expect(await storedRows()).toEqual([]);
    expect((await runMzi(['zoho', 'status'], env())).stdout).toContain('not connected: webhook-only');
  });
});
