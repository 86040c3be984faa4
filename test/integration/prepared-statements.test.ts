import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let handle: DatabaseHandle;
beforeEach(async () => {
  testDb = await createTestDatabase();
  handle = createDatabase(testDb.url, { preparedStatements: true });
});
afterEach(async () => {
  await handle.close();
  await testDb.drop();
});

describe.skipIf(TEST_DIALECT !== 'postgres')('PostgreSQL statements run often', () => {
  it('are prepared once per connection after a few runs; one-off statements are not', async () => {
    await sql`create table t (id int primary key, name text)`.execute(handle.db);
    await sql`insert into t values (1, 'a'), (2, 'b')`.execute(handle.db);
    await handle.db.connection().execute(async (db) => {
      for (let i = 0; i < 5; i++) {
        const rows = await sql<{ name: string }>`select name from t where id = ${1 + (i % 2)}`.execute(db);
        expect(rows.rows[0]?.name).toBe(i % 2 === 0 ? 'a' : 'b');
      }
      await sql`select name from t where id = ${2} and name = ${'b'}`.execute(db);
      const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
        db,
      );
      expect(prepared.rows.map((row) => row.statement)).toEqual(['select name from t where id = $1']);
    });
  });

  it('are not prepared without the option (PG_PREPARED_STATEMENTS=false, and one-off commands)', async () => {
    const plain = createDatabase(testDb.url);
    try {
      await plain.db.connection().execute(async (db) => {
        for (let i = 0; i < 5; i++) await sql`select ${i}::int as n`.execute(db);
        const prepared = await sql<{
          n: number;
        }>`select count(*)::int as n from pg_prepared_statements`.execute(db);
        expect(prepared.rows[0]?.n).toBe(0);
      });
    } finally {
      await plain.close();
    }
  });

  it('run unnamed again when their table changed shape after they were prepared', async () => {
    await sql`create table t (id int primary key, name text)`.execute(handle.db);
    await sql`insert into t values (1, 'a')`.execute(handle.db);
    await handle.db.connection().execute(async (db) => {
      for (let i = 0; i < 4; i++) await sql`select * from t where id = ${1}`.execute(db);
      // Another process migrates the table: the plan prepared on this connection no longer fits.
      await sql`alter table t add column city text`.execute(db);
      const rows = await sql<Record<string, unknown>>`select * from t where id = ${1}`.execute(db);
      expect(rows.rows).toEqual([{ id: 1, name: 'a', city: null }]);
    });
  });
});
