import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/create-database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { MODULES, moduleMigrations } from '../../src/modules/index.js';
import { TEST_DATABASE_URL } from '../helpers/test-database.js';

const mode = (path: string) => statSync(path).mode & 0o777;

let root: string;
let previousUmask: number;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mzi-files-'));
  // A common default that leaves new files readable by everyone.
  previousUmask = process.umask(0o022);
});
afterEach(() => {
  process.umask(previousUmask);
  rmSync(root, { recursive: true, force: true });
});

/** Opens the database as the service does, writes to it (the WAL and its index appear), and closes it. */
async function openAndWrite(path: string): Promise<void> {
  const database = createDatabase(`sqlite:${path}`);
  try {
    await migrateToLatest(database.db, moduleMigrations(MODULES));
    const limit = await sql<{ journal_size_limit: number }>`PRAGMA journal_size_limit`.execute(database.db);
    expect(limit.rows[0]?.journal_size_limit).toBe(64 * 1024 * 1024);
    expect(mode(`${path}-wal`)).toBe(0o600);
    expect(mode(`${path}-shm`)).toBe(0o600);
  } finally {
    await database.close();
  }
}

describe.skipIf(TEST_DATABASE_URL !== undefined)('the SQLite files', () => {
  it('are private: folders mzi creates 0700, the database, WAL and shared-memory files 0600, whatever the umask', async () => {
    const path = join(root, 'data', 'nested', 'mzi.sqlite');
    await openAndWrite(path);
    expect(mode(join(root, 'data'))).toBe(0o700);
    expect(mode(join(root, 'data', 'nested'))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
  });

  it('leaves a folder the operator chose as it is, and bounds the WAL left after a checkpoint', async () => {
    const folder = join(root, 'chosen');
    mkdirSync(folder, { mode: 0o750 });
    const path = join(folder, 'mzi.sqlite');
    await openAndWrite(path);
    expect(mode(folder)).toBe(0o750);
    expect(mode(path)).toBe(0o600);
  });
});
