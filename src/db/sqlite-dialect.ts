import { threadId } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type DialectAdapter as KyselyDialectAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { SqliteDialectAdapter } from './sqlite-adapter.js';

/**
 * How long a transaction or statement waits for the write lock, the threads' and then SQLite's, before it fails
 * with SQLITE_BUSY. While another process (a backup tool, `sqlite3` in a shell) holds SQLite's lock, this bounds
 * how long a delivery waits for its 503: README promises an answer within 5 s, and this leaves room for the rest.
 */
export const SQLITE_BUSY_WAIT_MS = 2500;

/**
 * A write lock shared by the threads of one process (the HTTP thread's connection, the log writer's and the
 * worker's), in a SharedArrayBuffer: a transaction waits for it and is woken the moment the other commits, where
 * waiting out SQLITE_BUSY on a timer would leave the database idle between retries. SQLite's own lock still
 * decides between processes (a CLI command).
 *
 * The HTTP thread must never block, so it waits asynchronously (`Atomics.waitAsync`). The log writer and worker
 * threads have nothing to do without the lock but queue messages, so they may block (`blocking: true`): waking a
 * blocked thread is a futex wake, while waking an asynchronous waiter cost the releasing thread a large share of
 * its time at the rate the lock changes hands under ingest (docs/PERFORMANCE.md#blocking-waits-for-the-write-lock).
 *
 * A thread that ends while it holds the lock (terminated, out of memory, an uncaught error mid-transaction) never
 * releases it: the lock records its holder, and whoever started the thread releases it on the thread's exit
 * (`releaseHeldBy`). SQLite's own lock needs no such help: the thread's connection is closed as the thread ends,
 * which rolls its transaction back.
 */
export class ThreadWriteLock {
  readonly buffer: SharedArrayBuffer;
  readonly #state: Int32Array;
  readonly #blocking: boolean;
  readonly #priority: boolean;
  /** What [0] holds while this thread holds the lock: its threadId + 1 (the main thread's threadId is 0). */
  readonly #holder = holderOf(threadId);

  /**
   * [0]: the holder's threadId + 1 while held, 0 when free; [1]: how many wait for it (releasing with nobody waiting needs no wake-up); [2]: how many
   * holders with `priority` (intake) wait for it: the others let them go first.
   */
  constructor(
    buffer: SharedArrayBuffer = new SharedArrayBuffer(12),
    options: { blocking?: boolean; priority?: boolean } = {},
  ) {
    this.buffer = buffer;
    this.#state = new Int32Array(buffer);
    this.#blocking = options.blocking ?? false;
    this.#priority = options.priority ?? false;
  }

  /**
   * Waits for the lock; with `deadline` (a `performance.now()` time), gives up then with an SQLITE_BUSY error,
   * as SQLite would: a holder stuck behind another process's lock must not hold up the others for longer.
   */
  async acquire(deadline?: number): Promise<void> {
    if (this.#priority) Atomics.add(this.#state, 2, 1);
    try {
      for (;;) {
        // Without priority, a free lock is left to a priority holder that waits for it.
        const yielding = !this.#priority && Atomics.load(this.#state, 2) > 0;
        if (!yielding && Atomics.compareExchange(this.#state, 0, 0, this.#holder) === 0) return;
        const left = deadline === undefined ? undefined : deadline - performance.now();
        if (left !== undefined && left <= 0) throw busyError();
        // Waits while [0] keeps this value: released (or taken by another) meanwhile, the wait ends at once.
        const held = Atomics.load(this.#state, 0);
        if (!yielding && held === 0) continue;
        Atomics.add(this.#state, 1, 1);
        try {
          // Yielding, wake up now and then: the priority holder may have taken the lock and let it go already.
          const timeout = yielding ? Math.min(2, left ?? 2) : left;
          if (this.#blocking) {
            Atomics.wait(this.#state, 0, held, timeout);
          } else {
            const wait = Atomics.waitAsync(this.#state, 0, held, timeout);
            if (wait.async) await wait.value;
          }
        } finally {
          Atomics.sub(this.#state, 1, 1);
        }
      }
    } finally {
      if (this.#priority) Atomics.sub(this.#state, 2, 1);
    }
  }

  /** Whether a priority holder (intake) waits for the lock: a long transaction should end soon. */
  priorityWaiting(): boolean {
    return Atomics.load(this.#state, 2) > 0;
  }

  release(): void {
    Atomics.store(this.#state, 0, 0);
    this.#wakeWaiters();
  }

  /**
   * Releases the lock if the thread `lostThreadId` (its `threadId`, taken when it was created: a Worker's reads -1
   * once it has ended) holds it. For a thread that has ended only: a live holder would lose its lock mid-transaction.
   * Returns whether it held the lock.
   */
  releaseHeldBy(lostThreadId: number): boolean {
    const holder = holderOf(lostThreadId);
    if (Atomics.compareExchange(this.#state, 0, holder, 0) !== holder) return false;
    this.#wakeWaiters();
    return true;
  }

  #wakeWaiters(): void {
    // Every waiter: the one woken first may be one that yields to a priority holder.
    if (Atomics.load(this.#state, 1) > 0) Atomics.notify(this.#state, 0);
  }
}

function holderOf(id: number): number {
  return id + 1;
}

export interface RetryingSqliteDialectConfig extends SqliteDialectConfig {
  /** Taken for each transaction when other threads of the process write the same file. */
  writeLock?: ThreadWriteLock | undefined;
}

/**
 * Kysely's SQLite dialect with these changes for a database that several connections write (the log writer
 * thread, the worker, the CLI in another process):
 * - every transaction starts with `BEGIN IMMEDIATE`, so it holds the write lock before its first read: what it
 *   reads cannot change before it writes (a deferred transaction could only fail at its first write);
 * - with a `writeLock`, transactions of the threads of this process take turns on it first;
 * - a statement refused with SQLITE_BUSY is tried again on a timer for up to SQLITE_BUSY_WAIT_MS instead of
 *   in SQLite's busy handler, which would sleep on the thread and so stall every HTTP request of the process.
 * The connections are opened with `busy_timeout = 0` for that reason.
 * Its adapter is mzi's (SqliteDialectAdapter), so that the database carries it (see dialectAdapter).
 */
export class RetryingSqliteDialect extends SqliteDialect {
  readonly #config: RetryingSqliteDialectConfig;

  constructor(config: RetryingSqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new RetryingSqliteDriver(this.#config, this.#config.writeLock);
  }

  override createAdapter(): KyselyDialectAdapter {
    return new SqliteDialectAdapter();
  }
}

class RetryingSqliteDriver extends SqliteDriver {
  readonly #writeLock: ThreadWriteLock | undefined;
  /** Whether this connection's transaction holds the write lock (one transaction at a time per connection). */
  #holding = false;
  readonly #unwrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(config: SqliteDialectConfig, writeLock: ThreadWriteLock | undefined) {
    super(config);
    this.#writeLock = writeLock;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const retrying: DatabaseConnection = {
      executeQuery: (query) => untilNotBusy(() => connection.executeQuery(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    this.#unwrapped.set(retrying, connection);
    return retrying;
  }

  /** The connection without the retries of acquireConnection, for a wait with a bound of its own. */
  #connection(connection: DatabaseConnection): DatabaseConnection {
    return this.#unwrapped.get(connection) ?? connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // One bound for both locks: waiting for the threads' lock behind a holder that itself waits for another
    // process would otherwise add up, turn after turn.
    const deadline = performance.now() + SQLITE_BUSY_WAIT_MS;
    if (this.#writeLock) {
      await this.#writeLock.acquire(deadline);
      this.#holding = true;
    }
    try {
      await untilNotBusy(
        () => this.#connection(connection).executeQuery(CompiledQuery.raw('begin immediate')),
        Math.max(0, deadline - performance.now()),
      );
    } catch (error) {
      this.#release();
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.#release();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      // After SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM, SQLite may have rolled the transaction back already:
      // the rollback then fails, and its error would replace the one that says what happened (a full disk).
      if (!isNoTransaction(error)) throw error;
    } finally {
      this.#release();
    }
  }

  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#writeLock?.release();
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

function isNoTransaction(error: unknown): boolean {
  return (
    (error as { code?: unknown } | null)?.code === 'SQLITE_ERROR' &&
    /no transaction is active/.test(String(error))
  );
}

function busyError(): Error {
  return Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}
