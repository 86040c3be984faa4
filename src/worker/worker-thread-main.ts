// The worker thread (see worker-thread-proxy.ts): the service's worker on a database connection of its own, so that
// processing never holds up the HTTP thread.
import { parentPort, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { createDatabase } from '../db/create-database.js';
import { ThreadWriteLock } from '../db/sqlite-dialect.js';
import { createLogger } from '../logger.js';
import { createMoodleFromConfig } from '../moodle/moodle-from-config.js';
import { describeThreadError, type ThreadResult } from '../threads/thread-error.js';
import { openZohoClient } from '../zoho/open-zoho-client.js';
import type { ZohoCallReport } from '../zoho/zoho-usage.js';
import { createServiceWorker } from './create-service-worker.js';
import { listenForNewEvents } from './listen-for-new-events.js';
import type {
  Attempt,
  MoodleCall,
  WorkerThreadReply,
  WorkerThreadRequest,
  WorkerThreadSettings,
} from './worker-thread-proxy.js';

if (!parentPort) throw new Error('worker-thread-main runs as a worker thread (see worker-thread-proxy.ts)');
const port = parentPort;
const settings = workerData as WorkerThreadSettings;
const { config } = settings;

let results: ThreadResult[] = [];
let logs: string[] = [];
let attempts: Attempt[] = [];
let moodleCalls: MoodleCall[] = [];
let zohoCalls: ZohoCallReport[] = [];
let unreachable: string[] = [];
let scheduled = false;
let lastState = '';

/** Everything of one turn of the event loop goes to the HTTP thread in one message. */
function report(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const state = worker.state();
    lastState = JSON.stringify(state);
    const reply: WorkerThreadReply = {
      kind: 'report',
      results,
      state,
      logs,
      attempts,
      moodleCalls,
      zohoCalls,
      unreachable,
    };
    results = [];
    logs = [];
    attempts = [];
    moodleCalls = [];
    zohoCalls = [];
    unreachable = [];
    port.postMessage(reply);
  });
}

const logger = createLogger({
  level: config.logLevel,
  pretty: false,
  destination: {
    write(line: string) {
      logs.push(line);
      report();
    },
  },
}).child({ component: 'worker' });

// The log writer thread appends and fsyncs; this connection commits like the HTTP thread's (see createDatabase).
const writeLock = new ThreadWriteLock(settings.writeLock, { blocking: true });
const database = createDatabase(config.databaseUrl, {
  fsyncEachCommit: false,
  walAutocheckpointPages: 0,
  writeLock,
});
const moodle = createMoodleFromConfig(config, {
  onTransportError: (error) => {
    unreachable.push(error.message);
    report();
  },
  onCall: (call) => {
    moodleCalls.push(call);
    report();
  },
});
const worker = createServiceWorker({
  config,
  db: database.db,
  logger,
  moodle,
  zoho: await openZohoClient({
    config,
    db: database.db,
    logger,
    onCall: (call) => {
      zohoCalls.push(call);
      report();
    },
  }),
  releaseAllOnStart: true,
  // Intake first: the log writer takes the write lock before this thread, and a batch's outcomes are committed
  // in shorter transactions while it waits (see ThreadWriteLock, WorkerOptions.intakeWaiting).
  intakeWaiting: () => writeLock.priorityWaiting(),
  onAttempt: (...attempt) => {
    attempts.push(attempt);
    report();
  },
});

// Checkpoints run here, not in the log writer's commits (where they held the write lock for the length of each
// checkpoint): a PASSIVE checkpoint copies the WAL into the database alongside the writers, without their lock.
// The log writer's own threshold is then only a safety net (see AppenderThreadSettings.walAutocheckpointPages). This
// made each insert markedly cheaper (docs/PERFORMANCE.md#checkpoints-off-the-write-lock).
const walCheckpoints = setInterval(() => {
  void sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(database.db).catch(() => {});
}, 100);
walCheckpoints.unref();

// The state (last poll, events in flight) also changes without anything to report: sent when it does.
const stateTimer = setInterval(() => {
  if (JSON.stringify(worker.state()) !== lastState) report();
}, 1000);
stateTimer.unref();

/** Started once, with the first start (a start again after a failed one does not listen twice). */
let listening: Promise<() => Promise<void>> | undefined;

function answer(id: number, work: Promise<unknown>): void {
  work
    .then(
      (value) => results.push({ id, ok: true, value }),
      (error: unknown) => results.push({ id, ok: false, error: describeThreadError(error) }),
    )
    .finally(report);
}

port.on('message', (request: WorkerThreadRequest) => {
  switch (request.kind) {
    case 'wake':
      worker.wake();
      return;
    case 'start':
      answer(
        request.id,
        (async () => {
          await worker.start();
          listening ??= listenForNewEvents(database, worker, logger).catch((error: unknown) => {
            listening = undefined;
            throw error;
          });
          await listening;
        })(),
      );
      return;
    case 'drain':
      answer(request.id, worker.drain());
      return;
    case 'stop':
      clearInterval(stateTimer);
      answer(
        request.id,
        (async () => {
          const stopListening = await listening;
          listening = undefined;
          await stopListening?.();
          await worker.stop(request.timeoutMs);
          await database.close();
        })(),
      );
      return;
  }
});

port.postMessage({ kind: 'ready' } satisfies WorkerThreadReply);
