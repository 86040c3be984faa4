import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import type SQLite from 'better-sqlite3';
import {
  Kysely,
  type DialectAdapter as KyselyDialectAdapter,
  PostgresDialect,
  type SqliteDatabase,
} from 'kysely';
import type pg from 'pg';
import { AppError } from '../errors.js';
import { type DialectAdapter, dialectAdapter } from './dialect-adapter.js';
import { PostgresDialectAdapter } from './postgres-adapter.js';
import { preparingPool } from './prepared-statements-pool.js';
import type { Database } from './schema.js';
import { RetryingSqliteDialect, type ThreadWriteLock } from './sqlite-dialect.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  /** What mzi does differently on this database, chosen when it was opened. */
  readonly adapter: DialectAdapter;
  /** Where the data lives, for humans: a file path or a URL without its password. */
  readonly description: string;
  /**
   * Calls `onNotify` whenever another process announces new events (PostgreSQL LISTEN, reconnecting after a
   * lost connection). SQLite has one process: nothing to listen to.
   */
  listen(
    channel: string,
    onNotify: () => void,
    onError: (error: Error) => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /**
   * SQLite: whether each commit waits for the disk (`synchronous = FULL`, the default). The event log's appender
   * must, since a delivery is acknowledged once it is committed (DESIGN.md §3). A connection that writes only what
   * can be done again (worker outcomes, operator actions) may commit without it (`synchronous = NORMAL`, which
   * survives a crash of the process; on power loss the last outcomes may be undone and their events processed
   * again, and the appender's next fsync makes them durable anyway), so that its thread never waits for the disk.
   */
  fsyncEachCommit?: boolean;
  /** SQLite: the lock that the threads of this process writing the file take turns on. */
  writeLock?: ThreadWriteLock | undefined;
  /**
   * SQLite: fold the WAL into the database at a commit once it holds this many pages (SQLite's default is 1,000);
   * 0 never does, for a connection that must not wait for the disk and leaves checkpoints to another. The
   * appender's connection sets a high threshold when another thread checkpoints more often: the safety net for
   * when that does not run.
   */
  walAutocheckpointPages?: number;
  /** PostgreSQL: prepare the statements run often (see preparingPool); for the service, not one-off commands. */
  preparedStatements?: boolean;
}

// Each driver is loaded when a database of its kind is opened: every thread of an SQLite service (HTTP, log
// writer, worker) would otherwise compile and keep the PostgreSQL driver, and the other way round.
const require = createRequire(import.meta.url);
const loadSqlite = () => require('better-sqlite3') as typeof SQLite;
const loadPg = () => require('pg') as typeof pg;

/** Opens the database named by DATABASE_URL (`sqlite:<path>` or `postgres://…`). */
export function createDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options.preparedStatements ?? false);
  throw new AppError('config.database_url', `DATABASE_URL must start with sqlite: or postgres://`);
}

/** Whether DATABASE_URL names an SQLite database that another connection (a thread) can open too. */
export function isSharedSqliteFile(url: string): boolean {
  return url.startsWith('sqlite:') && url !== 'sqlite::memory:';
}

/**
 * How large SQLite leaves the WAL after a checkpoint (`journal_size_limit`): without it the file keeps the size
 * of its largest burst for good.
 */
export const SQLITE_JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

function openSqlite(rawPath: string, options: DatabaseOptions): DatabaseHandle {
  const memory = rawPath === ':memory:';
  const path = memory ? rawPath : resolve(rawPath === '' ? './data/mzi.sqlite' : rawPath);
  if (!memory) createPrivateFile(path);
  const sqlite = new (loadSqlite())(path);
  // Durable before the 200 (DESIGN.md §3): WAL with a full fsync at each commit; commits are grouped by the appender.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(options.fsyncEachCommit === false ? 'synchronous = NORMAL' : 'synchronous = FULL');
  if (options.walAutocheckpointPages !== undefined)
    sqlite.pragma(`wal_autocheckpoint = ${Math.max(0, Math.trunc(options.walAutocheckpointPages))}`);
  sqlite.pragma(`journal_size_limit = ${SQLITE_JOURNAL_SIZE_LIMIT_BYTES}`);
  // SQLITE_BUSY is waited out on a timer by the dialect, never by sleeping in SQLite's busy handler.
  sqlite.pragma('busy_timeout = 0');
  sqlite.pragma('foreign_keys = ON');
  // Statement journals (each insert or update fires the event_counts triggers) in memory, not in temporary
  // files: writing those was a large share of an event insert's cost
  // (docs/PERFORMANCE.md#statement-journals-in-memory).
  sqlite.pragma('temp_store = MEMORY');
  const db = new Kysely<Database>({
    dialect: new RetryingSqliteDialect({
      database: withStatementCache(sqlite),
      writeLock: options.writeLock,
    }),
  });
  return {
    db,
    adapter: dialectAdapter(db),
    description: `SQLite ${path}`,
    listen: async () => async () => {},
    close: () => db.destroy(),
  };
}

/**
 * The event log holds personal data: folders mzi creates for it are 0700 and a new database file is 0600
 * whatever the umask. SQLite gives the -wal and -shm files it creates later the database file's mode. A folder or
 * file that already exists keeps the mode its owner chose (SECURITY.md).
 */
function createPrivateFile(path: string): void {
  const folder = dirname(path);
  const created = mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (created !== undefined) {
    // mkdir's mode passes through the umask: set it on each folder made, from the first down to the database's.
    let made = created;
    chmodSync(made, 0o700);
    for (const part of relative(created, folder).split(sep).filter(Boolean)) {
      made = resolve(made, part);
      chmodSync(made, 0o700);
    }
  }
  if (existsSync(path)) return;
  // 'a': never truncates a file another process created in the meantime; an empty file is an empty database.
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/**
 * Kysely prepares every query anew; with better-sqlite3, parsing the SQL was the largest single cost of an
 * append (a CPU profile of the ingest path). mzi's queries are few and parameterized, so prepared statements
 * are kept by SQL text. A statement still busy (a streaming read) is never handed out twice.
 */
function withStatementCache(sqlite: SQLite.Database, max = 256): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = sqlite.prepare(sql);
      if (!cached) {
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/** How long opening a connection may take before it counts as a failure (an unreachable host). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Waits before each new attempt to listen again after the connection was lost; the last one repeats. */
const LISTEN_RETRY_DELAYS_MS = [250, 1000, 2000, 5000];

function openPostgres(url: string, preparedStatements: boolean): DatabaseHandle {
  // bigint (count(*)) arrives as text; every count mzi reads fits in a JS number.
  const { Pool, Client } = loadPg();
  const connection = { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true };
  const pool = new Pool({ ...connection, max: 10, idleTimeoutMillis: 30_000 });
  // A connection lost while idle in the pool: the pool drops it, and the next query opens another.
  pool.on('error', () => {});
  // A connection lost while checked out (a restart, failover, pg_terminate_backend) emits 'error' on its client,
  // which would end the process without a listener. The query in flight fails with that error and answers for
  // it (503 at intake, a retry in the worker); the pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({
    dialect: new MziPostgresDialect({ pool: preparedStatements ? preparingPool(pool) : pool }),
  });
  const safeUrl = new URL(url);
  if (safeUrl.password) safeUrl.password = '***';
  safeUrl.search = '';
  return {
    db,
    adapter: dialectAdapter(db),
    description: `PostgreSQL ${safeUrl.toString()}`,
    listen: (channel, onNotify, onError) =>
      listenPostgres({ createClient: () => new Client(connection), channel, onNotify, onError }),
    close: () => db.destroy(),
  };
}

/** Kysely's PostgreSQL dialect with mzi's adapter, so that the database carries it (see dialectAdapter). */
class MziPostgresDialect extends PostgresDialect {
  override createAdapter(): KyselyDialectAdapter {
    return new PostgresDialectAdapter();
  }
}

/**
 * LISTENs on a connection of its own and keeps doing so: a lost connection is replaced, with growing waits
 * while the server stays away, and LISTEN is sent again. Notifications sent meanwhile are lost, so `onNotify` is
 * called once after each (re)connection to look for what was missed.
 */
async function listenPostgres(options: {
  createClient: () => pg.Client;
  channel: string;
  onNotify: () => void;
  onError: (error: Error) => void;
}): Promise<() => Promise<void>> {
  const { channel, onNotify, onError } = options;
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  // Not unref'd: in a worker-only process, while the database is away, this timer may be all that is left.
  const reconnectLater = () => {
    if (stopped || retry) return;
    const delay = LISTEN_RETRY_DELAYS_MS[Math.min(failures, LISTEN_RETRY_DELAYS_MS.length - 1)];
    failures += 1;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((error: unknown) => {
        onError(error as Error);
        reconnectLater();
      });
    }, delay);
  };

  const connect = async (): Promise<void> => {
    const next = options.createClient();
    let lost = false;
    next.on('notification', () => onNotify());
    next.on('error', (error) => {
      if (lost) return;
      lost = true;
      void next.end().catch(() => {});
      // Before LISTEN succeeded, the failure reaches whoever awaits connect() instead.
      if (client !== next) return;
      client = undefined;
      onError(error);
      reconnectLater();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      lost = true;
      void next.end().catch(() => {});
      throw error;
    }
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    failures = 0;
    // Events appended while we were not listening: look once.
    onNotify();
  };

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
