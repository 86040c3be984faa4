import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/** How long a statement waits for another connection's write lock before it fails with SQLITE_BUSY. */
export const SQLITE_BUSY_WAIT_MS = 5000;

/**
 * Kysely's SQLite dialect with two changes for a database that several connections write (the log writer
 * thread, the worker, the CLI in another process):
 * - every transaction starts with `BEGIN IMMEDIATE`, so it holds the write lock before its first read: what it
 *   reads cannot change before it writes (a deferred transaction could only fail at its first write);
 * - a statement refused with SQLITE_BUSY is tried again on a timer for up to SQLITE_BUSY_WAIT_MS instead of
 *   in SQLite's busy handler, which would sleep on the thread and so stall every HTTP request of the process.
 * The connections are opened with `busy_timeout = 0` for that reason.
 */
export class RetryingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new RetryingSqliteDriver(this.#config);
  }
}

class RetryingSqliteDriver extends SqliteDriver {
  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    return {
      executeQuery: (query) => untilNotBusy(() => connection.executeQuery(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Runs `run` until it does not fail with SQLITE_BUSY, waiting a little longer each time (a turn of the event
 * loop, then 1 ms up to 20 ms). Safe to repeat: a statement refused with SQLITE_BUSY changed nothing.
 */
export async function untilNotBusy<T>(run: () => Promise<T>, limitMs = SQLITE_BUSY_WAIT_MS): Promise<T> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isBusy(error) || performance.now() - started >= limitMs) throw error;
      await new Promise((resolve) =>
        attempt < 2 ? setImmediate(resolve) : setTimeout(resolve, Math.min(attempt - 1, 20)),
      );
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}
