import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { MODULES, moduleMigrations } from '../../src/modules/index.js';
import { eventually } from './eventually.js';

/** PostgreSQL server for the tests, when set (e.g. postgres://postgres@127.0.0.1:5432/mzi_ci); else SQLite. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
export const TEST_DIALECT: 'sqlite' | 'postgres' = TEST_DATABASE_URL ? 'postgres' : 'sqlite';

export interface TestDatabase {
  url: string;
  /** A folder for other files of the test (always created). */
  dir: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test: a SQLite file in a new folder, or a new schema on the PostgreSQL
 * server named by TEST_DATABASE_URL (selected with search_path, dropped afterwards).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'mzi-test-'));
  if (!TEST_DATABASE_URL) {
    return {
      url: `sqlite:${join(dir, 'mzi.sqlite')}`,
      dir,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    dir,
    drop: async () => {
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  await queryPostgres(TEST_DATABASE_URL as string, text);
}

/** Runs one SQL statement on a PostgreSQL test database (its own connection) and returns the rows. */
export async function queryPostgres<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Waits until no event of a PostgreSQL test database is pending or processing. */
export async function waitUntilProcessed(url: string, timeoutMs = 90_000): Promise<void> {
  await eventually(
    async () => {
      const [row] = await queryPostgres<{ n: string }>(
        url,
        "SELECT count(*) AS n FROM integration_events_log WHERE status IN ('pending', 'processing')",
      );
      if (Number(row?.n) !== 0) throw new Error(`${row?.n} still pending or processing`);
    },
    { what: 'every event processed', timeoutMs, intervalMs: 200 },
  );
}

/**
 * A fresh, migrated database for each test of the calling file (registers beforeEach/afterEach); the returned
 * function gives the current test's handle.
 */
export function migratedDatabasePerTest(): () => DatabaseHandle {
  let testDb: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  beforeEach(async () => {
    testDb = await createTestDatabase();
    handle = createDatabase(testDb.url);
    await migrateToLatest(handle.db, moduleMigrations(MODULES));
  });
  afterEach(async () => {
    await handle?.close();
    await testDb?.drop();
  });
  return () => {
    if (!handle) throw new Error('migratedDatabasePerTest: no test is running');
    return handle;
  };
}
