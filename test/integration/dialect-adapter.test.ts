import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dialectAdapter } from '../../src/db/dialect-adapter.js';
import { migratedDatabasePerTest, TEST_DIALECT } from '../helpers/test-database.js';

const database = migratedDatabasePerTest();

describe('the dialect adapter', () => {
  it('is chosen when the database is opened and carried into its transactions and connections', async () => {
    const { db, adapter } = database();
    expect(adapter.name).toBe(TEST_DIALECT);
    expect(adapter.singleProcess).toBe(TEST_DIALECT === 'sqlite');
    expect(dialectAdapter(db)).toBe(adapter);
    await db.transaction().execute(async (trx) => {
      expect(dialectAdapter(trx)).toBe(adapter);
    });
    await adapter.withStartupLock(db, async (locked) => {
      expect(dialectAdapter(locked)).toBe(adapter);
    });
  });

  it('is refused for a database that createDatabase did not open, rather than guessed', () => {
    const bare = new Kysely<object>({
      dialect: new SqliteDialect({ database: async () => ({ close() {}, prepare: () => ({}) as never }) }),
    });
    expect(() => dialectAdapter(bare)).toThrow(/not opened by createDatabase/);
  });
});
