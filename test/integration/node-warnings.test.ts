import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMziAsync, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/** What Node.js prints for a deprecated or experimental API: `(node:123) [DEP0169] DeprecationWarning: …`. */
const NODE_WARNING = /\(node:\d+\)|DeprecationWarning|ExperimentalWarning/;

let testDb: TestDatabase;
beforeEach(async () => {
  testDb = await createTestDatabase();
});
afterEach(async () => {
  await testDb.drop();
});

describe(`on the Node.js running the tests (${process.version})`, () => {
  it('mzi serve starts, takes a delivery, processes it and stops without a Node.js warning', async () => {
    const server = await startMziServer({
      DATABASE_URL: testDb.url,
      DATA_DIR: testDb.dir,
      ZOHO_WEBHOOK_TOKEN: 'node-warnings-token',
    });
    const response = await fetch(`${server.baseUrl}/api/v1/events/zoho/student?operation=insert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-token': 'node-warnings-token' },
      body: JSON.stringify({ id: '5725767000000777001', Academic_Email: 'node@student.example.edu' }),
    });
    expect(response.status).toBe(200);
    await waitForIdle(server.baseUrl);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('Server listening');
    expect(server.output()).not.toMatch(NODE_WARNING);
  });

  it('the mzi command runs without a Node.js warning', async () => {
    const env = { DATABASE_URL: testDb.url, DATA_DIR: testDb.dir };
    for (const args of [['doctor'], ['events', 'list'], ['stats']]) {
      const run = await runMziAsync(args, env);
      expect(`${run.stdout}${run.stderr}`, args.join(' ')).not.toMatch(NODE_WARNING);
      expect(run.stdout.length, args.join(' ')).toBeGreaterThan(0);
    }
  });
});
