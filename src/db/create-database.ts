import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AppError } from '../errors.js';
import type { DialectName } from './dialect.js';
import type { Database } from './schema.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Where the data lives, for humans: a file path or a URL without its password. */
  readonly description: string;
  close(): Promise<void>;
}

/** Opens the database named by DATABASE_URL (`sqlite:<path>` or `postgres://…`). */
export function createDatabase(url: string): DatabaseHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new AppError(
      'config.postgres_unsupported',
      'DATABASE_URL points at PostgreSQL, which this version of mzi does not support yet; use sqlite:<path>.',
    );
  }
  throw new AppError('config.database_url', `DATABASE_URL must start with sqlite: or postgres://`);
}

function openSqlite(rawPath: string): DatabaseHandle {
  const memory = rawPath === ':memory:';
  const path = memory ? rawPath : resolve(rawPath === '' ? './data/mzi.sqlite' : rawPath);
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // Durable before the 200 (DESIGN.md §3): WAL with a full fsync at each commit; commits are grouped by the appender.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    description: `SQLite ${path}`,
    close: () => db.destroy(),
  };
}
