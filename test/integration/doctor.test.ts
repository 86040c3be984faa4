import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeSupportCheck } from '../../src/admin/node-support.js';
import { formatDoctor, runDoctor } from '../../src/admin/run-doctor.js';
import { loadConfig } from '../../src/config.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { runMzi } from '../helpers/mzi-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let moodle: FakeMoodle | undefined;
beforeEach(async () => {
  testDb = await createTestDatabase();
});
afterEach(async () => {
  await moodle?.close();
  moodle = undefined;
  await testDb.drop();
});

const config = (env: Record<string, string>) =>
  loadConfig({ env: { DATABASE_URL: testDb.url, ...env }, dotenvPath: null });

describe('mzi doctor', () => {
  it('passes with a reachable Moodle whose service allows every function mzi calls', async () => {
    moodle = await startFakeMoodle();
    const checks = await runDoctor(
      config({ MOODLE_URL: moodle.url, MOODLE_TOKEN: moodle.token, ZOHO_WEBHOOK_TOKEN: 't' }),
    );
    // Only the Node.js check may warn: on Node 20 it says its end of life (see the Node.js check below).
    expect(checks.filter((c) => c.status !== 'ok' && c.name !== 'node')).toEqual([]);
    expect(formatDoctor(checks)).toContain('Moodle Loopback Test');
  });

  it("reports the account policy: what mzi adopts and whom it never changes, naming the token's user", async () => {
    moodle = await startFakeMoodle({ tokenUser: { username: 'mziws' } });
    const checks = await runDoctor(
      config({
        MOODLE_URL: moodle.url,
        MOODLE_TOKEN: moodle.token,
        MOODLE_ADOPT_EXISTING: 'never',
        MOODLE_PROTECTED_USERS: '5,head.teacher',
      }),
    );
    expect(checks.find((c) => c.name === 'moodle accounts')).toEqual({
      name: 'moodle accounts',
      status: 'ok',
      detail: `adopts no existing account (MOODLE_ADOPT_EXISTING=never); never changes the token's user mziws (id ${moodle.tokenUserId}), admin, guest and the 2 account(s) of MOODLE_PROTECTED_USERS`,
    });
  });

  it('lists the functions the token may not call, with the fix', async () => {
    moodle = await startFakeMoodle({
      allowedFunctions: [
        'core_webservice_get_site_info',
        'core_user_get_users',
        'core_user_get_users_by_field',
      ],
    });
    const checks = await runDoctor(config({ MOODLE_URL: moodle.url, MOODLE_TOKEN: moodle.token }));
    const functions = checks.find((c) => c.name === 'moodle functions');
    expect(functions?.status).toBe('fail');
    expect(functions?.detail).toContain('core_user_create_users');
    expect(functions?.detail).toContain('core_user_update_users');
    expect(functions?.detail).toContain('core_user_delete_users');
    expect(functions?.fix).toContain('External services');
  });

  it('says how to fix a bad token, an unreachable Moodle, and authentication that is off', async () => {
    moodle = await startFakeMoodle();
    const badToken = await runDoctor(config({ MOODLE_URL: moodle.url, MOODLE_TOKEN: 'nope' }));
    expect(badToken.find((c) => c.name === 'moodle')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('invalidtoken'),
    });
    expect(badToken.find((c) => c.name === 'webhook auth')?.status).toBe('warn');
    // The Node.js running it: a warning on Node 20 (end of life), ok on 22 and 24.
    expect(badToken.find((c) => c.name === 'node')).toEqual(nodeSupportCheck());
    // The Node.js running it: a warning on Node 20 (end of life), ok on 22 and 24.
    expect(badToken.find((c) => c.name === 'node')).toEqual(nodeSupportCheck());

    const down = await runDoctor(
      config({ MOODLE_URL: 'http://127.0.0.1:9', MOODLE_TOKEN: 'x', MOODLE_TIMEOUT: '2' }),
    );
    expect(down.find((c) => c.name === 'moodle')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('MOODLE_URL'),
    });
    expect(JSON.stringify(down)).not.toContain('"x"');
  });

  it('exits 1 from the command line when a check fails, 0 otherwise', () => {
    const env = { DATABASE_URL: testDb.url };
    const ok = runMzi(['doctor'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('[WARN] moodle: Moodle is not configured');
    const failing = runMzi(['doctor'], {
      ...env,
      MOODLE_URL: 'http://127.0.0.1:9',
      MOODLE_TOKEN: 'x',
      MOODLE_TIMEOUT: '2',
    });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('[FAIL] moodle');
  });
});
