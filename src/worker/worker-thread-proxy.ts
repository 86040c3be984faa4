import type { Worker as Thread } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import type { MoodleClientOptions } from '../moodle/create-moodle-client.js';
import { createModuleThread, YOUNG_GENERATION_MB } from '../threads/create-module-thread.js';
import { createThreadProxy, type ThreadProxy } from '../threads/create-thread-proxy.js';
import type { ThreadResult } from '../threads/thread-error.js';
import type { ZohoCallReport } from '../zoho/zoho-usage.js';
import type { EventWorker, WorkerStatus } from './event-worker.js';

/** What the thread needs to open the database and process events as the service would. */
export interface WorkerThreadSettings {
  config: Config;
  /** The buffer of the ThreadWriteLock that every connection of the process takes turns on. */
  writeLock: SharedArrayBuffer;
}

export type MoodleCall = Parameters<NonNullable<MoodleClientOptions['onCall']>>[0];
export type Attempt = [
  module: string,
  outcome: 'completed' | 'retry' | 'failed',
  errorCode: string | undefined,
];

export type WorkerThreadRequest =
  | { kind: 'wake' }
  | { kind: 'start' | 'drain'; id: number }
  | { kind: 'stop'; id: number; timeoutMs: number };

/** What the thread reports, gathered over one turn of its event loop. */
export type WorkerThreadReply =
  | { kind: 'ready' }
  | {
      kind: 'report';
      results: ThreadResult[];
      state: WorkerStatus;
      /** Log lines, already formatted and redacted by the thread's logger. */
      logs: string[];
      attempts: Attempt[];
      moodleCalls: MoodleCall[];
      zohoCalls: ZohoCallReport[];
      /** Moodle could not be reached (the messages of the transport errors). */
      unreachable: string[];
    };

export interface WorkerThreadOptions extends WorkerThreadSettings {
  /** The service's logger: the thread's log lines are written to its destination. */
  logger: Logger;
  onAttempt: (...attempt: Attempt) => void;
  onMoodleCall: (call: MoodleCall) => void;
  onZohoCall: (call: ZohoCallReport) => void;
  onMoodleUnreachable: (detail: string) => void;
  /** How long to wait before starting a thread that stopped unexpectedly again. */
  restartDelayMs?: number;
  /** Starts a thread (default: createWorkerThread); the tests pass the compiled one. */
  createThread?: (settings: WorkerThreadSettings) => Thread;
}

/**
 * The worker of an SQLite service in a thread of its own, with its own database connection (DESIGN.md §3). Claims,
 * handlers and outcome writes are CPU work on the thread that runs them (better-sqlite3 runs every statement
 * on the calling thread; Kysely compiles every query): on the HTTP thread they held up intake, and the two
 * could not use the machine's second core. The HTTP thread keeps a proxy with the same interface: wake-ups and
 * requests go over, and the thread reports its state, log lines, metrics and Moodle's reachability back.
 *
 * The thread starts with the worker (or with the first `drain`). Should it die, a new thread starts while the
 * worker is meant to run, and gives back the events the old one had claimed (on SQLite this process is the only
 * worker, so every claimed event is given back at start).
 */
export function startWorkerThread(options: WorkerThreadOptions): EventWorker {
  const { logger } = options;
  const create = options.createThread ?? createWorkerThread;
  const settings: WorkerThreadSettings = {
    config: options.config,
    writeLock: options.writeLock,
  };
  const destination = (logger as unknown as Record<symbol, { write(line: string): void } | undefined>)[
    pino.symbols.streamSym
  ];
  let state: WorkerStatus = {
    status: 'stopped',
    worker_id: '',
    in_flight: 0,
    processed: 0,
    last_poll_at: null,
    last_error: null,
  };
  /** Whether the worker is meant to run (start called, stop not): a lost thread is then started again. */
  let running = false;
  let wakeQueued = false;

  const proxy: ThreadProxy<WorkerThreadRequest> = createThreadProxy<WorkerThreadRequest, WorkerThreadReply>({
    name: 'the worker thread',
    create: () => create(settings),
    logger,
    writeLock: options.writeLock,
    restartDelayMs: options.restartDelayMs,
    onReport(reply) {
      if (reply.kind !== 'report') return;
      state = reply.state;
      for (const line of reply.logs) destination?.write(line);
      for (const attempt of reply.attempts) options.onAttempt(...attempt);
      for (const call of reply.moodleCalls) options.onMoodleCall(call);
      for (const call of reply.zohoCalls) options.onZohoCall(call);
      for (const detail of reply.unreachable) options.onMoodleUnreachable(detail);
    },
    onLost(failure, error) {
      state = { ...state, status: 'stopped', in_flight: 0, last_error: failure.message.slice(0, 200) };
      if (running) logger.error({ err: error }, 'the worker thread stopped; starting a new one');
    },
    shouldRestart: () => running,
    // A second start of a running worker does nothing: a start that failed is simply tried again.
    onRestarted: (thread) => proxy.request<void>((id) => ({ kind: 'start', id }), thread),
  });

  return {
    async start() {
      running = true;
      await proxy.request((id) => ({ kind: 'start', id }), await proxy.ensure());
    },
    async stop(timeoutMs = 10_000) {
      running = false;
      try {
        await proxy.close((id) => ({ kind: 'stop', id, timeoutMs }));
      } finally {
        state = { ...state, status: 'stopped', in_flight: 0 };
      }
    },
    wake() {
      if (!running || !proxy.current() || wakeQueued) return;
      // Appends of one turn of the event loop wake the thread once.
      wakeQueued = true;
      setImmediate(() => {
        wakeQueued = false;
        proxy.post({ kind: 'wake' });
      });
    },
    async drain() {
      await proxy.request((id) => ({ kind: 'drain', id }), await proxy.ensure());
    },
    state: () => state,
  };
}

/** Starts a worker thread: the module next to this one (see createModuleThread), with a small young generation. */
export function createWorkerThread(settings: WorkerThreadSettings, entry?: URL): Thread {
  const options = { workerData: settings, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  return createModuleThread(import.meta.url, 'worker-thread-main', options, entry);
}
