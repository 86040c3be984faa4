// The appender thread (see appender-thread-proxy.ts): the event appender on a connection of its own, so that the
// transactions and fsyncs of intake never hold up the HTTP thread.
import { parentPort, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { createDatabase } from '../db/create-database.js';
import { ThreadWriteLock } from '../db/sqlite-dialect.js';
import { describeThreadError, type ThreadResult } from '../threads/thread-error.js';
import type {
  AppenderThreadReply,
  AppenderThreadRequest,
  AppenderThreadSettings,
} from './appender-thread-proxy.js';
import { createEventAppender } from './create-event-appender.js';

if (!parentPort)
  throw new Error('appender-thread-main runs as a worker thread (see appender-thread-proxy.ts)');
const port = parentPort;
const settings = workerData as AppenderThreadSettings;

const database = createDatabase(settings.databaseUrl, {
  // Intake first: the other connections let this one take the write lock before them when it waits.
  writeLock: new ThreadWriteLock(settings.writeLock, { blocking: true, priority: true }),
  walAutocheckpointPages: settings.walAutocheckpointPages,
});
let appended = false;
const appender = createEventAppender({
  db: database.db,
  dedupWindowSeconds: settings.dedupWindowSeconds,
  maxAttempts: settings.maxAttempts,
  onAppended: () => {
    appended = true;
  },
});

// The HTTP thread's connection does not checkpoint (it must not wait for the disk), nor, without a worker thread,
// does anything else: while intake is quiet and the others write, the WAL is folded into the database here.
const checkpoints = setInterval(() => {
  void sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(database.db).catch(() => {});
}, 10_000);
checkpoints.unref();

// Results of one turn of the event loop go back in one message.
let outbox: ThreadResult[] = [];
let scheduled = false;
function send(result: ThreadResult): void {
  outbox.push(result);
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const reply: AppenderThreadReply = {
      kind: 'results',
      results: outbox,
      state: appender.state(),
      appended,
    };
    outbox = [];
    appended = false;
    port.postMessage(reply);
  });
}

/** Sends back what `work` comes to, as the answer to the request `id`. */
function answer(id: number, work: Promise<unknown>): void {
  work.then(
    (value) => send({ id, ok: true, value }),
    (error: unknown) => send({ id, ok: false, error: describeThreadError(error) }),
  );
}

port.on('message', (request: AppenderThreadRequest) => {
  switch (request.kind) {
    case 'append':
      for (const { id, deliveries } of request.items) answer(id, appender.appendAll(deliveries));
      return;
    case 'flush':
      answer(request.id, appender.flush());
      return;
    case 'probe':
      answer(request.id, appender.probe());
      return;
    case 'close':
      clearInterval(checkpoints);
      answer(
        request.id,
        appender.flush().then(() => database.close()),
      );
      return;
  }
});

port.postMessage({ kind: 'ready' } satisfies AppenderThreadReply);
