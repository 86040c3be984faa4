import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { MODULES, moduleMigrations } from '../../src/modules/index.js';
import { createZohoClient } from '../../src/zoho/create-zoho-client.js';
import { withZohoTables } from '../../src/zoho/zoho-tables.js';
import { type FakeZoho, startFakeZoho } from '../helpers/fake-zoho.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { readRecordInProcess } from '../helpers/zoho-client-process.js';

const MODULE = 'BTEC_Students';
let fake: FakeZoho;
let testDb: TestDatabase;
let handle: DatabaseHandle;

beforeEach(async () => {
  fake = await startFakeZoho();
  testDb = await createTestDatabase();
  handle = createDatabase(testDb.url);
  await migrateToLatest(handle.db, moduleMigrations(MODULES));
});
afterEach(async () => {
  await fake.close();
  await handle.close();
  await testDb.drop();
});

describe('the shared access token across processes', () => {
  it('is minted once for three processes calling Zoho at the same moment', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    const startAt = Date.now() + 1500;
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        readRecordInProcess({
          databaseUrl: testDb.url,
          credentials: fake.credentials,
          module: MODULE,
          recordId: student?.id as string,
          calls: 100,
          startAt,
        }),
      ),
    );
    expect(results).toEqual([{ found: 100 }, { found: 100 }, { found: 100 }]);
    expect(fake.state.counts.tokenRequests).toBe(1);
    expect(fake.state.counts.calls['GET /crm/v8/{module}/{id}']).toBe(300);
  });

  it('is renewed by another process when the one holding the lease died', async () => {
    const [student] = fake.state.seed(MODULE, 1);
    await withZohoTables(handle.db)
      .updateTable('zoho_access_token')
      .set({ lease_owner: 'a process that died', lease_until: new Date(Date.now() + 300).toISOString() })
      .where('id', '=', 1)
      .execute();
    const zoho = createZohoClient({
      db: handle.db,
      credentials: async () => fake.credentials,
      tokenLeaseMs: 5000,
    });
    expect(await zoho.getRecord(MODULE, student?.id as string)).toMatchObject({ id: student?.id });
    expect(fake.state.counts.tokenRequests).toBe(1);
    const row = await withZohoTables(handle.db)
      .selectFrom('zoho_access_token')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ lease_owner: null, lease_until: null, api_domain: fake.apiDomain });
    expect(row.access_token).not.toContain('1000.');
  });
});
