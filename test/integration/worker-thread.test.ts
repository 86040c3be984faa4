import { copyFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { customStudentBody, eventRow, postStudent } from '../helpers/deliveries.js';
import { eventually } from '../helpers/eventually.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { TEST_DIALECT } from '../helpers/test-database.js';
import {
  compiledWorkerThread,
  lockHoldingThread,
  refusedThread,
  startTestService,
  type TestService,
} from '../helpers/test-service.js';

let service: TestService | undefined;
let moodle: FakeMoodle | undefined;
afterEach(async () => {
  await service?.cleanup();
  await moodle?.close();
  service = undefined;
  moodle = undefined;
});

async function statusOf(eventId: string): Promise<string | undefined> {
  return (await eventRow((service as TestService).database.db, eventId))?.status;
}

describe.skipIf(TEST_DIALECT !== 'sqlite')('the SQLite worker thread', () => {
  it('processes in a thread of its own, woken by intake, reporting its state, logs and metrics back', async () => {
    service = await startTestService();
    const reply = await postStudent(service, customStudentBody());
    expect(reply.status).toBe(200);
    // Woken by the append, without drain() and before the 50 ms poll could matter much.
    await eventually(async () => (await statusOf(reply.body.event_id as string)) === 'completed', {
      what: 'the event completed in the thread',
    });

    // The lines the worker logged in its thread reach the service's log.
    await eventually(() => service?.logs().includes('"msg":"event processed"') === true, {
      what: "the thread's log line in the service's log",
    });
    const line = service
      .logs()
      .split('\n')
      .find((text) => text.includes('"msg":"event processed"')) as string;
    expect(JSON.parse(line)).toMatchObject({ component: 'worker', eventId: reply.body.event_id });

    await eventually(() => (service as TestService).worker.state().processed === 1, {
      what: 'the processed count reported by the thread',
    });
    const health = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(health.json().worker).toMatchObject({ status: 'running', processed: 1, in_flight: 0 });

    const metrics = await service.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    });
    expect(metrics.body).toMatch(/mzi_event_attempts_total\{[^}]*outcome="completed"[^}]*\} 1/);
  });

  it('folds the WAL into the database file on its own connection, without waiting for the log writer to', async () => {
    service = await startTestService();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postStudent(
          service as TestService,
          customStudentBody({
            data: { Student_ID_Number: `WAL-${i}`, Academic_Email: `wal${i}@student.example.edu` },
          }),
        ),
      ),
    );
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    for (const reply of replies)
      await eventually(async () => (await statusOf(reply.body.event_id as string)) === 'completed', {
        what: `event ${reply.body.event_id} completed`,
      });
    // The database file alone (without its -wal) holds the events once a checkpoint has copied them there. The
    // log writer would only checkpoint after 10,000 pages, or on its 10-second timer. A copy taken while a
    // checkpoint writes the file can be torn ("malformed"): that check throws, and eventually() tries again.
    const path = service.config.databaseUrl.slice('sqlite:'.length);
    const copy = `${path}.copy`;
    await eventually(
      () => {
        copyFileSync(path, copy);
        const db = new Database(copy, { readonly: true });
        try {
          // Before the first checkpoint even the schema is only in the WAL: the file has no tables yet.
          const tables = db
            .prepare(`SELECT 1 FROM sqlite_master WHERE name = 'integration_events_log'`)
            .all();
          if (tables.length === 0) return false;
          const { n } = db
            .prepare(`SELECT count(*) AS n FROM integration_events_log WHERE status = 'completed'`)
            .get() as { n: number };
          return n === 20;
        } finally {
          db.close();
        }
      },
      { what: 'the 20 completed events in the database file', timeoutMs: 5000 },
    );
  });

  it('starts a new thread when its thread dies mid-event; the event comes back and completes once', async () => {
    moodle = await startFakeMoodle();
    moodle.setDelay(1500);
    const threads: Worker[] = [];
    service = await startTestService(
      { MOODLE_URL: moodle.url, MOODLE_TOKEN: moodle.token, MOODLE_TIMEOUT: '10' },
      {
        createWorkerThread: (settings) => {
          const thread = compiledWorkerThread(settings);
          threads.push(thread);
          return thread;
        },
      },
    );
    const reply = await postStudent(service, customStudentBody());
    expect(reply.status).toBe(200);
    const eventId = reply.body.event_id as string;
    // The thread has claimed the event and waits for Moodle: it dies there.
    await eventually(async () => (await statusOf(eventId)) === 'processing', {
      what: 'the event claimed by the thread',
    });
    await (threads[0] as Worker).terminate();
    await eventually(() => (service as TestService).worker.state().status === 'stopped', {
      what: 'the worker stopped after its thread died',
    });
    expect(service.worker.state().last_error).toContain('The worker thread stopped');

    moodle.setDelay(0);
    await eventually(() => threads.length === 2, { what: 'a second thread' });
    await eventually(async () => (await statusOf(eventId)) === 'completed', {
      what: 'the event completed by the second thread',
    });
    // The thread reports its state after the turn that committed the event: the proxy may learn it a little later.
    await eventually(() => (service as TestService).worker.state().status === 'running', {
      what: 'the worker running again',
    });
    const attempts = await service.database.db
      .selectFrom('event_attempts')
      .select('outcome')
      .where('event_id', '=', eventId)
      .execute();
    // The interrupted attempt left no outcome; the second one completed, and Moodle has the user once.
    expect(attempts).toEqual([{ outcome: 'completed' }]);
    expect(
      [...moodle.users.values()].filter((u) => u.email === 'a01b3900c@student.example.edu'),
    ).toHaveLength(1);
  }, 30_000);
});

describe.skipIf(TEST_DIALECT !== 'sqlite')(
  'the SQLite worker thread, when it dies holding the write lock',
  () => {
    it('releases the lock: intake stores again and the next thread processes', async () => {
      let held: Worker | undefined;
      service = await startTestService(
        {},
        {
          createWorkerThread: (settings) => {
            // The first thread takes the lock and dies holding it, as one would mid-transaction.
            if (!held) {
              held = lockHoldingThread(settings.writeLock, {
                kind: 'report',
                state: {
                  status: 'running',
                  worker_id: 'holding',
                  in_flight: 0,
                  processed: 0,
                  last_poll_at: null,
                  last_error: null,
                },
                logs: [],
                attempts: [],
                moodleCalls: [],
                zohoCalls: [],
                unreachable: [],
              });
              return held;
            }
            return compiledWorkerThread(settings);
          },
        },
      );
      await (held as Worker).terminate();
      await eventually(() => service?.logs().includes('ended holding the write lock') === true, {
        what: 'the proxy to release the lock of the ended thread',
      });
      const reply = await postStudent(service, customStudentBody());
      expect(reply.status).toBe(200);
      await eventually(async () => (await statusOf(reply.body.event_id as string)) === 'completed', {
        what: 'the delivery to be processed after the release',
      });
    }, 30_000);
  },
);

describe.skipIf(TEST_DIALECT !== 'sqlite')('the SQLite worker thread, when a new one cannot start', () => {
  it('keeps trying, and processes once a thread starts', async () => {
    let calls = 0;
    let first: Worker | undefined;
    service = await startTestService(
      {},
      {
        createWorkerThread: (settings) => {
          calls += 1;
          // The second thread dies while starting, as one that cannot open the database would.
          if (calls === 2) return new Worker('throw new Error("cannot start")', { eval: true });
          // The third is refused as Node refuses one the system cannot create: at once, in the call.
          if (calls === 3) throw refusedThread();
          const thread = compiledWorkerThread(settings);
          first ??= thread;
          return thread;
        },
      },
    );
    await eventually(() => calls === 1 && service?.worker.state().status === 'running', {
      what: 'the first thread running',
    });
    await first?.terminate();
    await eventually(() => calls >= 4, { what: 'a fourth thread started', timeoutMs: 15_000 });
    const reply = await postStudent(service, customStudentBody());
    expect(reply.status).toBe(200);
    await eventually(async () => (await statusOf(reply.body.event_id as string)) === 'completed', {
      what: 'the event completed by the new thread',
    });
    await eventually(() => (service as TestService).worker.state().status === 'running', {
      what: 'the worker running again',
    });
  }, 30_000);
});
