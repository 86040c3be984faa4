import type { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThreadWriteLock } from '../../src/db/sqlite-dialect.js';
import { students } from '../../src/modules/students/index.js';
import { startAppenderThread } from '../../src/webhooks/appender-thread-proxy.js';
import type { IncomingDelivery } from '../../src/webhooks/create-event-appender.js';
import { normalizeDelivery } from '../../src/webhooks/normalize-delivery.js';
import { parseZohoBody } from '../../src/webhooks/parse-zoho-body.js';
import { customStudentBody, eventRow, postStudent } from '../helpers/deliveries.js';
import { eventually } from '../helpers/eventually.js';
import { TEST_DIALECT } from '../helpers/test-database.js';
import {
  compiledAppenderThread,
  lockHoldingThread,
  refusedThread,
  startTestService,
  type TestService,
} from '../helpers/test-service.js';

let service: TestService;
let other: SQLite.Database | undefined;
beforeEach(async () => {
  service = await startTestService();
});
afterEach(async () => {
  if (other?.inTransaction) other.exec('ROLLBACK');
  other?.close();
  other = undefined;
  await service.cleanup();
});

/** Another connection to the service's SQLite file (as `mzi` commands in another process open one). */
function otherConnection(): SQLite.Database {
  other = new SQLite(service.config.databaseUrl.slice('sqlite:'.length));
  return other;
}

/** A delivery as intake hands it to the appender. */
function incoming(): IncomingDelivery {
  const rawBody = JSON.stringify(customStudentBody());
  const normalized = normalizeDelivery({
    body: parseZohoBody(Buffer.from(rawBody), 'application/json'),
    module: students,
    queryOperation: undefined,
    deliveryIdHeader: undefined,
  });
  return { normalized, source: 'zoho', rawBody, contentType: 'application/json', headers: {} };
}

/** What `promise` gave within `waitMs`, or 'pending'. */
function settledWithin<T>(promise: Promise<T>, waitMs: number): Promise<T | 'pending'> {
  return Promise.race([
    promise,
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), waitMs)),
  ]);
}

describe.skipIf(TEST_DIALECT !== 'sqlite')('the SQLite appender thread', () => {
  it('relaxes only the HTTP thread connection (NORMAL), and acknowledges a delivery another connection already sees', async () => {
    const main = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(service.database.db);
    expect(main.rows[0]?.synchronous).toBe(1); // NORMAL: the worker's outcomes can be done again

    const reply = await postStudent(service, customStudentBody());
    expect(reply.status).toBe(200);
    // Acknowledged means committed: another connection sees it at once.
    const row = otherConnection()
      .prepare('SELECT status FROM integration_events_log WHERE event_id = ?')
      .get(reply.body.event_id) as { status: string } | undefined;
    expect(row?.status).toMatch(/^(pending|processing|completed)$/);
  });

  it('waits for a write lock held elsewhere without stalling other requests, then stores and processes', async () => {
    const lock = otherConnection();
    lock.exec('BEGIN IMMEDIATE');

    const body = customStudentBody();
    const posting = postStudent(service, body);
    expect(await settledWithin(posting, 300)).toBe('pending');
    // The HTTP thread is free: health answers while the delivery waits for the lock.
    const health = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(health.statusCode).toBe(200);
    expect(await settledWithin(posting, 50)).toBe('pending');

    lock.exec('COMMIT');
    const reply = await posting;
    expect(reply.status).toBe(200);
    await service.worker.drain();
    expect((await eventRow(service.database.db, reply.body.event_id as string))?.status).toBe('completed');
  });

  it('refuses with 503 a delivery that could not get the write lock in time, storing nothing, and recovers', async () => {
    const lock = otherConnection();
    lock.exec('BEGIN IMMEDIATE');
    const refused = await postStudent(service, customStudentBody());
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'storage_unavailable' });
    expect(refused.headers['retry-after']).toBeDefined();
    lock.exec('COMMIT');

    const count = () =>
      (lock.prepare('SELECT count(*) AS n FROM integration_events_log').get() as { n: number }).n;
    expect(count()).toBe(0);
    expect((await postStudent(service, customStudentBody())).status).toBe(200);
    expect(count()).toBe(1);
  }, 20_000);

  it('starts a new thread when its thread dies, refusing meanwhile what it cannot store, and tries again when the system refuses a thread', async () => {
    const threads: Worker[] = [];
    let calls = 0;
    const appender = await startAppenderThread({
      databaseUrl: service.config.databaseUrl,
      dedupWindowSeconds: 60,
      maxAttempts: 3,
      bodyLimitBytes: 1024 * 1024,
      writeLock: new ThreadWriteLock().buffer,
      walAutocheckpointPages: 1000,
      logger: pino({ level: 'silent' }),
      restartDelayMs: 200,
      createThread: (settings) => {
        calls += 1;
        // The first new thread is refused as Node refuses one the system cannot create: at once, in the call.
        if (calls === 2) throw refusedThread();
        const thread = compiledAppenderThread(settings);
        threads.push(thread);
        return thread;
      },
    });
    try {
      expect((await appender.append(incoming())).status).toBe('queued');

      await threads[0]?.terminate();
      await eventually(() => !appender.state().writable, { what: 'the appender to notice the lost thread' });
      expect(appender.state().lastError).toMatch(/log writer thread stopped/);
      await expect(appender.append(incoming())).rejects.toThrow(/restarting/);
      expect(await appender.probe()).toBe(false);

      // A new thread starts after restartDelayMs; until it is ready, deliveries are still refused.
      const stored = await eventually(() => appender.append(incoming()), {
        what: 'a delivery stored by the restarted thread',
        intervalMs: 50,
      });
      expect(calls).toBe(3);
      expect(threads).toHaveLength(2);
      expect(stored.status).toBe('queued');
      expect(appender.state().writable).toBe(true);
      const row = otherConnection()
        .prepare('SELECT status FROM integration_events_log WHERE event_id = ?')
        .get(stored.eventId);
      expect(row).toBeDefined();
    } finally {
      await appender.close();
    }
  });

  it('releases the write lock of a thread that died holding it: the next thread stores again', async () => {
    const writeLock = new ThreadWriteLock();
    let held: Worker | undefined;
    const appender = await startAppenderThread({
      databaseUrl: service.config.databaseUrl,
      dedupWindowSeconds: 60,
      maxAttempts: 3,
      bodyLimitBytes: 1024 * 1024,
      writeLock: writeLock.buffer,
      walAutocheckpointPages: 1000,
      logger: pino({ level: 'silent' }),
      restartDelayMs: 50,
      createThread: (settings) => {
        // The first thread takes the lock and dies holding it, as one would mid-transaction.
        if (!held) {
          held = lockHoldingThread(settings.writeLock, {
            kind: 'results',
            state: { writable: true, lastError: null, lastErrorAt: null },
            appended: false,
          });
          return held;
        }
        return compiledAppenderThread(settings);
      },
    });
    try {
      await held?.terminate();
      const stored = await eventually(() => appender.append(incoming()), {
        what: 'an append once the replacement thread is up',
        intervalMs: 50,
      });
      expect(stored.status).toBe('queued');
      // Free for the other connections of the process too.
      await writeLock.acquire(performance.now() + 1000);
      writeLock.release();
    } finally {
      await appender.close();
    }
  });
});
