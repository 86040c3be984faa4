import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AppendResult, EventAppender, IncomingDelivery } from './create-event-appender.js';

/** What the thread needs to open the database and append as the service would. */
export interface LogWriterSettings {
  databaseUrl: string;
  dedupWindowSeconds: number;
  maxAttempts: number;
  /** BODY_LIMIT: the largest delivery the thread may be handed (sizes its heap). */
  bodyLimitBytes: number;
  /** The buffer of the ThreadWriteLock that the service's own connection takes turns on. */
  writeLock: SharedArrayBuffer;
}

export interface LogWriterOptions extends LogWriterSettings {
  logger: Logger;
  /** Called after each commit that stored at least one pending event (wakes the worker). */
  onAppended?: () => void;
  /** How long to wait before starting a thread that stopped unexpectedly again. */
  restartDelayMs?: number;
  /** Starts a thread (default: createLogWriterThread); tests pass the compiled one, or hold the thread. */
  createThread?: (settings: LogWriterSettings) => Worker;
}

type AppenderState = ReturnType<EventAppender['state']>;

export type LogWriterRequest =
  | { kind: 'append'; items: { id: number; delivery: IncomingDelivery }[] }
  | { kind: 'flush' | 'probe' | 'close'; id: number };

/** An error as it crosses the thread boundary (its kind and message, never the values of a statement). */
export interface ThreadError {
  name: string;
  message: string;
  code?: string | undefined;
}

export type ThreadResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ThreadError };

export type LogWriterReply =
  | { kind: 'ready' }
  | { kind: 'results'; results: ThreadResult[]; state: AppenderState; appended: boolean };

/**
 * The event appender of an SQLite service, in a thread of its own (DESIGN.md §3). Each commit of the log waits
 * for the disk (fsync) and SQLite runs every statement on the calling thread, so on the HTTP thread intake
 * would stall every request for the length of each transaction and fsync. Here the HTTP thread only parses,
 * authenticates and hands deliveries over; the thread appends them with group commit on its own connection
 * and answers once they are on disk. Deliveries of one turn of the event loop cross in one message each way.
 *
 * If the thread dies, the deliveries it had not answered are refused (503, the sender retries; one it had
 * already committed comes back as a duplicate), health reports the log unwritable, and a new thread starts.
 */
export async function startLogWriter(options: LogWriterOptions): Promise<EventAppender> {
  const { logger } = options;
  const create = options.createThread ?? createLogWriterThread;
  const settings: LogWriterSettings = {
    databaseUrl: options.databaseUrl,
    dedupWindowSeconds: options.dedupWindowSeconds,
    maxAttempts: options.maxAttempts,
    bodyLimitBytes: options.bodyLimitBytes,
    writeLock: options.writeLock,
  };
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let state: AppenderState = { writable: true, lastError: null, lastErrorAt: null };
  let outbox: { id: number; delivery: IncomingDelivery }[] = [];
  let scheduled = false;
  let closing = false;

  function onReply(reply: LogWriterReply): void {
    if (reply.kind !== 'results') return;
    state = reply.state;
    for (const result of reply.results) {
      const entry = waiting.get(result.id);
      if (!entry) continue;
      waiting.delete(result.id);
      if (result.ok) entry.resolve(result.value);
      else entry.reject(rebuildError(result.error));
    }
    if (reply.appended) options.onAppended?.();
  }

  function onLost(lost: Worker, error: Error): void {
    if (thread !== lost) return;
    thread = undefined;
    outbox = [];
    const failure = new Error(`The log writer thread stopped: ${error.message}`);
    for (const entry of waiting.values()) entry.reject(failure);
    waiting.clear();
    if (closing) return;
    state = {
      writable: false,
      lastError: failure.message.slice(0, 200),
      lastErrorAt: new Date().toISOString(),
    };
    logger.error({ err: error }, 'the log writer thread stopped; starting a new one');
    restartLater();
  }

  function restartLater(): void {
    setTimeout(() => {
      if (closing) return;
      spawnThread(create(settings), onReply, onLost).then(
        (restarted) => {
          if (closing) void restarted.terminate();
          else thread = restarted;
        },
        (error: unknown) => {
          logger.error({ err: error }, 'the log writer thread could not start again; trying again');
          restartLater();
        },
      );
    }, options.restartDelayMs ?? 1000).unref();
  }

  let thread: Worker | undefined = await spawnThread(create(settings), onReply, onLost);

  const unavailable = () =>
    new Error(closing ? 'The event log is closed.' : 'The log writer thread is restarting.');

  function request<T>(make: (id: number) => LogWriterRequest): Promise<T> {
    const current = thread;
    if (!current) return Promise.reject(unavailable());
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      current.postMessage(make(id));
    });
  }

  function postOutbox(): void {
    scheduled = false;
    if (outbox.length === 0 || !thread) return;
    const items = outbox;
    outbox = [];
    thread.postMessage({ kind: 'append', items } satisfies LogWriterRequest);
  }

  return {
    append(delivery) {
      if (!thread) return Promise.reject(unavailable());
      const id = nextId++;
      return new Promise<AppendResult>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        outbox.push({ id, delivery });
        if (!scheduled) {
          scheduled = true;
          setImmediate(postOutbox);
        }
      });
    },
    async flush() {
      postOutbox();
      if (thread) await request<void>((id) => ({ kind: 'flush', id }));
    },
    state: () => state,
    async probe() {
      if (!thread) return false;
      return request<boolean>((id) => ({ kind: 'probe', id }));
    },
    async close() {
      postOutbox();
      closing = true;
      const current = thread;
      if (!current) return;
      try {
        await request<void>((id) => ({ kind: 'close', id }));
      } finally {
        thread = undefined;
        await current.terminate();
      }
    },
  };
}

function rebuildError(error: ThreadError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}

/** Starts a thread and waits until it has opened the database. */
function spawnThread(
  thread: Worker,
  onReply: (reply: LogWriterReply) => void,
  onLost: (thread: Worker, error: Error) => void,
): Promise<Worker> {
  return new Promise<Worker>((resolve, reject) => {
    const starting = (reply: LogWriterReply) => {
      if (reply.kind !== 'ready') return;
      thread.off('message', starting);
      thread.off('error', failed);
      thread.off('exit', exited);
      thread.on('message', onReply);
      thread.on('error', (error) => onLost(thread, error));
      thread.on('exit', (code) => onLost(thread, new Error(`exit code ${code}`)));
      thread.unref();
      resolve(thread);
    };
    const failed = (error: Error) => {
      void thread.terminate();
      reject(new Error(`The log writer thread could not start: ${error.message}`, { cause: error }));
    };
    const exited = (code: number) =>
      reject(new Error(`The log writer thread exited while starting (code ${code}).`));
    thread.on('message', starting);
    thread.on('error', failed);
    thread.on('exit', exited);
  });
}

/**
 * Starts a log writer thread running `entry`: by default the module next to this one, compiled; from the
 * TypeScript sources (`npm run dev`) the source through tsx, which is slower to start. The tests pass the
 * compiled module in dist/ (test/helpers/test-service.ts), which their setup builds first.
 */
export function createLogWriterThread(settings: LogWriterSettings, entry?: URL): Worker {
  const options = { workerData: settings, resourceLimits: threadLimits(settings.bodyLimitBytes) };
  if (entry) return new Worker(entry, options);
  if (import.meta.url.endsWith('.js')) {
    return new Worker(new URL('./log-writer-thread.js', import.meta.url), options);
  }
  const source = new URL('./log-writer-thread.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}))`,
    { ...options, eval: true },
  );
}

/**
 * A small young generation: with V8's default, the thread's lazily collected garbage added 26–38 MB to the peak
 * RSS of a 20,000-delivery burst, at no measured gain in throughput. The old generation only bounds what the
 * thread may hold: room for 64 deliveries at BODY_LIMIT at once, each about three times its size in memory (raw
 * body, parsed fields, row), and never under 256 MB; a thread that ran out would stop and be started again.
 */
function threadLimits(bodyLimitBytes: number) {
  const perDeliveryMb = (3 * bodyLimitBytes) / (1024 * 1024);
  return {
    maxYoungGenerationSizeMb: 4,
    maxOldGenerationSizeMb: Math.max(256, Math.ceil(64 * perDeliveryMb)),
  };
}
