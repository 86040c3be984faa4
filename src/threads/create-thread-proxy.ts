import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { ThreadWriteLock } from '../db/sqlite-dialect.js';
import { PendingReplies } from './pending-replies.js';
import type { ThreadResult } from './thread-error.js';
import { whenThreadReady } from './when-thread-ready.js';

/** A message of the thread after `ready`: the answers it carries (`results`) settle the requests that wait. */
export interface ThreadReport {
  kind: string;
  results?: readonly ThreadResult[];
}

export interface ThreadProxyOptions<Report extends ThreadReport> {
  /** The thread in log lines: "the worker thread". */
  name: string;
  /** Creates the thread (it says `{ kind: 'ready' }` once it has opened what it needs). */
  create: () => Worker;
  logger: Logger;
  /** The buffer of the process's ThreadWriteLock: released should the thread end holding it. */
  writeLock: SharedArrayBuffer;
  /** Each report, before its results settle the requests that wait for them. */
  onReport: (report: Report) => void;
  /**
   * The thread was lost, not closed: every request that waited has been rejected with `failure`. A new thread
   * starts after restartDelayMs when `shouldRestart` says so, then and when the delay is over.
   */
  onLost: (failure: Error, cause: Error) => void;
  shouldRestart: () => boolean;
  /** Run on a new thread after a loss (the worker starts its worker there); should it fail, it is tried again. */
  onRestarted?: (thread: Worker) => Promise<void>;
  /** How long to wait before starting a new thread after a loss (default 1 s). */
  restartDelayMs?: number | undefined;
}

/** The side of the HTTP thread of a thread that serves requests (see createThreadProxy). */
export interface ThreadProxy<Request> {
  /** The thread, while one is ready. */
  current(): Worker | undefined;
  /** The thread, started (once, however many wait) if there is none. */
  ensure(): Promise<Worker>;
  /** A request whose answer comes in a report, for a message posted with `post`. */
  expect<T>(): { id: number; answer: Promise<T> };
  /** Posts the request `make` builds to the thread (default: the current one) and waits for its answer. */
  request<T>(make: (id: number) => Request, thread?: Worker): Promise<T>;
  /** Posts a message that waits for no answer; without a thread, nothing. */
  post(message: Request): void;
  /** Sends the request `make` builds (a thread's last words: closing its database), then ends the thread. */
  close(make?: (id: number) => Request): Promise<void>;
}

/**
 * The proxy of a thread that serves requests, shared by the appender thread and the worker thread: it starts the
 * thread and waits until it is ready, hands the thread's reports over and settles the requests they answer,
 * rejects the requests that wait when the thread is lost and starts a new one, and releases the write lock the
 * lost thread may hold. No thread keeps the process alive but while a request waits (see PendingReplies.send).
 */
export function createThreadProxy<Request, Report extends ThreadReport>(
  options: ThreadProxyOptions<Report>,
): ThreadProxy<Request> {
  const { logger, name } = options;
  const writeLock = new ThreadWriteLock(options.writeLock);
  const pending = new PendingReplies();
  let thread: Worker | undefined;
  let spawning: Promise<Worker> | undefined;

  function create(): Worker {
    const created = options.create();
    // The threadId reads -1 once the thread has ended.
    const id = created.threadId;
    created.once('exit', () => {
      if (writeLock.releaseHeldBy(id)) logger.error(`${name} ended holding the write lock; released it`);
    });
    return created;
  }

  function onReport(report: Report): void {
    options.onReport(report);
    pending.settle(report.results ?? [], thread);
  }

  function onLost(lost: Worker, error: Error): void {
    if (thread !== lost) return;
    thread = undefined;
    const failure = new Error(`${capitalize(name)} stopped: ${error.message}`);
    pending.rejectAll(failure);
    options.onLost(failure, error);
    if (options.shouldRestart()) restartLater();
  }

  function restartLater(): void {
    setTimeout(() => {
      if (!options.shouldRestart()) return;
      ensure()
        .then(async (restarted) => {
          // Closed while the new thread started: it is not wanted any more.
          if (!options.shouldRestart()) return close();
          await options.onRestarted?.(restarted);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, `${name} could not start again; trying again`);
          restartLater();
        });
    }, options.restartDelayMs ?? 1000).unref();
  }

  function ensure(): Promise<Worker> {
    if (thread) return Promise.resolve(thread);
    spawning ??= whenThreadReady(create, onReport, onLost).then(
      (started) => {
        spawning = undefined;
        thread = started;
        return started;
      },
      (error: unknown) => {
        spawning = undefined;
        throw error;
      },
    );
    return spawning;
  }

  function request<T>(make: (id: number) => Request, current = thread): Promise<T> {
    if (!current) return Promise.reject(new Error(`${capitalize(name)} is not running.`));
    return pending.send<T>(current, make);
  }

  async function close(make?: (id: number) => Request): Promise<void> {
    const current = thread ?? (await spawning?.catch(() => undefined));
    if (!current) return;
    try {
      if (make) await request(make, current);
    } finally {
      if (thread === current) thread = undefined;
      await current.terminate();
    }
  }

  return {
    current: () => thread,
    ensure,
    expect: <T>() => pending.add<T>(),
    request,
    post(message) {
      thread?.postMessage(message);
    },
    close,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
