import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { createModuleThread, YOUNG_GENERATION_MB } from '../threads/create-module-thread.js';
import { createThreadProxy } from '../threads/create-thread-proxy.js';
import type { ThreadResult } from '../threads/thread-error.js';
import type { AppendResult, EventAppender, IncomingDelivery } from './create-event-appender.js';

/** What the thread needs to open the database and append as the service would. */
export interface AppenderThreadSettings {
  databaseUrl: string;
  dedupWindowSeconds: number;
  maxAttempts: number;
  /** BODY_LIMIT: the largest delivery the thread may be handed (sizes its heap). */
  bodyLimitBytes: number;
  /** The buffer of the ThreadWriteLock that the service's own connection takes turns on. */
  writeLock: SharedArrayBuffer;
  /**
   * A commit folds the WAL into the database once it holds this many pages (see createDatabase). The worker
   * thread checkpoints every 100 ms on its own connection, off the write lock; while it runs, this is only the
   * safety net, and SQLite's default (1,000) otherwise.
   */
  walAutocheckpointPages: number;
}

export interface AppenderThreadOptions extends AppenderThreadSettings {
  logger: Logger;
  /** Called after each commit that stored at least one pending event (wakes the worker). */
  onAppended?: () => void;
  /** How long to wait before starting a thread that stopped unexpectedly again. */
  restartDelayMs?: number;
  /** Starts a thread (default: createAppenderThread); tests pass the compiled one, or hold the thread. */
  createThread?: (settings: AppenderThreadSettings) => Worker;
}

type AppenderState = ReturnType<EventAppender['state']>;

export type AppenderThreadRequest =
  | { kind: 'append'; items: { id: number; deliveries: readonly IncomingDelivery[] }[] }
  | { kind: 'flush' | 'probe' | 'close'; id: number };

export type AppenderThreadReply =
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
export async function startAppenderThread(options: AppenderThreadOptions): Promise<EventAppender> {
  const { logger } = options;
  const create = options.createThread ?? createAppenderThread;
  const settings: AppenderThreadSettings = {
    databaseUrl: options.databaseUrl,
    dedupWindowSeconds: options.dedupWindowSeconds,
    maxAttempts: options.maxAttempts,
    bodyLimitBytes: options.bodyLimitBytes,
    writeLock: options.writeLock,
    walAutocheckpointPages: options.walAutocheckpointPages,
  };
  let state: AppenderState = { writable: true, lastError: null, lastErrorAt: null };
  let outbox: { id: number; deliveries: readonly IncomingDelivery[] }[] = [];
  let scheduled = false;
  let closing = false;

  const proxy = createThreadProxy<AppenderThreadRequest, AppenderThreadReply>({
    name: 'the log writer thread',
    create: () => create(settings),
    logger,
    writeLock: options.writeLock,
    restartDelayMs: options.restartDelayMs,
    onReport(reply) {
      if (reply.kind !== 'results') return;
      state = reply.state;
      if (reply.appended) options.onAppended?.();
    },
    onLost(failure, error) {
      outbox = [];
      if (closing) return;
      state = {
        writable: false,
        lastError: failure.message.slice(0, 200),
        lastErrorAt: new Date().toISOString(),
      };
      logger.error({ err: error }, 'the log writer thread stopped; starting a new one');
    },
    shouldRestart: () => !closing,
  });
  await proxy.ensure();

  const unavailable = () =>
    new Error(closing ? 'The event log is closed.' : 'The log writer thread is restarting.');

  function postOutbox(): void {
    scheduled = false;
    if (outbox.length === 0 || !proxy.current()) return;
    const items = outbox;
    outbox = [];
    proxy.post({ kind: 'append', items });
  }

  function appendAll(deliveries: readonly IncomingDelivery[]): Promise<AppendResult[]> {
    if (!proxy.current()) return Promise.reject(unavailable());
    const { id, answer } = proxy.expect<AppendResult[]>();
    outbox.push({ id, deliveries });
    if (!scheduled) {
      scheduled = true;
      setImmediate(postOutbox);
    }
    return answer;
  }

  return {
    append: async (delivery) => (await appendAll([delivery]))[0] as AppendResult,
    appendAll,
    async flush() {
      postOutbox();
      if (proxy.current()) await proxy.request<void>((id) => ({ kind: 'flush', id }));
    },
    state: () => state,
    async probe() {
      if (!proxy.current()) return false;
      return proxy.request<boolean>((id) => ({ kind: 'probe', id }));
    },
    async close() {
      postOutbox();
      closing = true;
      if (!proxy.current()) return;
      await proxy.close((id) => ({ kind: 'close', id }));
    },
  };
}

/** Starts an appender thread: the module next to this one (see createModuleThread), with heap limits. */
export function createAppenderThread(settings: AppenderThreadSettings, entry?: URL): Worker {
  const options = { workerData: settings, resourceLimits: threadLimits(settings.bodyLimitBytes) };
  return createModuleThread(import.meta.url, 'appender-thread-main', options, entry);
}

/**
 * A small young generation (see YOUNG_GENERATION_MB). The old generation only bounds what the thread may hold:
 * room for 64 deliveries at BODY_LIMIT at once, each about three times its size in memory (raw body, parsed
 * fields, row), and never under 256 MB; a thread that ran out would stop and be started again.
 */
function threadLimits(bodyLimitBytes: number) {
  const perDeliveryMb = (3 * bodyLimitBytes) / (1024 * 1024);
  return {
    maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
    maxOldGenerationSizeMb: Math.max(256, Math.ceil(64 * perDeliveryMb)),
  };
}
