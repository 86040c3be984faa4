import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import { eventually } from '../helpers/eventually.js';
import { killAll, type MziServer, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import {
  createTestDatabase,
  queryPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
  waitUntilProcessed,
} from '../helpers/test-database.js';

/**
 * Crash safety, repeated (issue 6): deliveries at full speed while the process is killed with `kill -9` several
 * times at random points and restarted on the same database. Every delivery that got a 200 must be in the log
 * exactly once and end processed (`completed` or `failed`); the SQLite file must pass `PRAGMA integrity_check`
 * after every kill. A sender whose request failed sends it again, as Zoho does, so re-deliveries of events
 * that were stored but not acknowledged become `duplicate` rows of the one original.
 */

const SECRET = 'crash-repeated-secret';
const TOTAL = 2000;
const RECORDS = 300;
const KILLS = 3;
const LANES = 32;

let testDb: TestDatabase;
const servers: MziServer[] = [];
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  killAll(servers);
  await testDb.drop();
});

function deliveryBody(i: number): string {
  return JSON.stringify({
    notification_id: `rk-${i}`,
    module: 'BTEC_Students',
    operation: i < RECORDS ? 'insert' : 'update',
    record_id: String(5_725_767_200_000_000 + (i % RECORDS)),
    // Every 50th delivery has a bad email: it must end `failed`, not stay pending.
    data: {
      Academic_Email: i % 50 === 49 ? 'not-an-email' : `rk${i % RECORDS}@student.example.edu`,
      City: `City ${i}`,
    },
  });
}

/** `count` distinct kill points, as numbers of acknowledged deliveries, spread over the run. */
function killPoints(count: number): number[] {
  const points = new Set<number>();
  while (points.size < count) points.add(150 + Math.floor(Math.random() * (TOTAL - 300)));
  return [...points].sort((a, b) => a - b);
}

function exited(server: MziServer): Promise<void> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null || server.process.signalCode !== null) resolve();
    else server.process.once('exit', () => resolve());
  });
}

interface Row {
  event_id: string;
  dedup_key: string;
  status: string;
  duplicate_of: string | null;
}

/** Every acknowledged delivery is stored once (plus duplicates of it) and ended completed or failed. */
function checkAcknowledged(rows: Row[], acknowledged: Map<string, string>): void {
  const byKey = new Map<string, Row[]>();
  for (const row of rows) byKey.set(row.dedup_key, [...(byKey.get(row.dedup_key) ?? []), row]);
  const byEventId = new Map(rows.map((row) => [row.event_id, row]));
  const problems: string[] = [];
  for (const [notificationId, eventId] of acknowledged) {
    const stored = byKey.get(notificationId) ?? [];
    const originals = stored.filter((row) => row.status !== 'duplicate');
    if (originals.length !== 1) {
      problems.push(`${notificationId}: ${originals.length} non-duplicate rows`);
      continue;
    }
    const original = originals[0] as Row;
    if (!['completed', 'failed'].includes(original.status)) {
      problems.push(`${notificationId}: ${original.status}`);
    }
    const answered = byEventId.get(eventId);
    if (
      !answered ||
      (answered.event_id !== original.event_id && answered.duplicate_of !== original.event_id)
    ) {
      problems.push(
        `${notificationId}: the acknowledged event ${eventId} is not stored as it or its duplicate`,
      );
    }
    for (const row of stored) {
      if (row.status === 'duplicate' && row.duplicate_of !== original.event_id) {
        problems.push(`${notificationId}: duplicate ${row.event_id} points elsewhere`);
      }
    }
  }
  expect(problems).toEqual([]);
  expect(rows.filter((row) => row.status === 'pending' || row.status === 'processing')).toEqual([]);
}

describe.skipIf(TEST_DATABASE_URL !== undefined)('crash safety, repeated, on SQLite', () => {
  it(`keeps every acknowledged delivery through ${KILLS} kill -9 at random points, each processed once`, async () => {
    const file = join(testDb.dir, 'mzi.sqlite');
    const env = { DATABASE_URL: `sqlite:${file}`, ZOHO_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn' };
    let server = await startMziServer(env);
    servers.push(server);
    const kills = killPoints(KILLS);
    const acknowledged = new Map<string, string>();
    let restarting: Promise<void> | undefined;
    let killed = 0;
    let next = 0;
    let resends = 0;

    const killAndRestart = async () => {
      const victim = server;
      victim.process.kill('SIGKILL');
      await exited(victim);
      const db = new Database(file);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
      server = await startMziServer(env);
      servers.push(server);
    };

    const sendUntilAcknowledged = async (i: number) => {
      const body = deliveryBody(i);
      for (;;) {
        if (restarting) await restarting;
        try {
          const response = await fetch(`${server.baseUrl}/api/v1/events/zoho/student`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
            body,
          });
          const reply = (await response.json()) as { event_id?: string };
          if (response.status === 200 && reply.event_id) {
            acknowledged.set(`rk-${i}`, reply.event_id);
            if (killed < kills.length && acknowledged.size >= (kills[killed] as number) && !restarting) {
              killed += 1;
              restarting = killAndRestart().finally(() => {
                restarting = undefined;
              });
            }
            return;
          }
          // 503 while the server closes: send again, as Zoho would.
        } catch {
          // The connection died with the server: not acknowledged; send again once it is back.
        }
        resends += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    const lane = async () => {
      while (next < TOTAL) await sendUntilAcknowledged(next++);
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    if (restarting) await restarting;
    expect(killed).toBe(KILLS);
    expect(acknowledged.size).toBe(TOTAL);
    expect(resends).toBeGreaterThan(0);

    await waitForIdle(server.baseUrl, 60_000);
    expect(await server.stop()).toBe(0);

    const sqlite = new Database(file, { readonly: true });
    try {
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = sqlite
        .prepare('SELECT event_id, dedup_key, status, duplicate_of FROM integration_events_log')
        .all() as Row[];
      checkAcknowledged(rows, acknowledged);
      // No event completed twice: one completed attempt per completed event.
      const twice = sqlite
        .prepare(
          `SELECT event_id, count(*) AS n FROM event_attempts WHERE outcome = 'completed'
           GROUP BY event_id HAVING count(*) <> 1`,
        )
        .all();
      expect(twice).toEqual([]);
      const failed = rows.filter((row) => row.status === 'failed').length;
      expect(failed).toBe(TOTAL / 50);
    } finally {
      sqlite.close();
    }
  }, 180_000);
});

describe.skipIf(!TEST_DATABASE_URL)(
  'crash safety, repeated, on PostgreSQL with api and worker processes',
  () => {
    const query = <T>(text: string) => queryPostgres<T>(testDb.url, text);

    const finished = async () =>
      Number(
        (
          await query<{ n: string }>(
            "SELECT count(*) AS n FROM integration_events_log WHERE status IN ('completed', 'failed')",
          )
        )[0]?.n,
      );

    it(`completes every acknowledged delivery once through ${KILLS} worker kill -9 at random points`, async () => {
      const env = {
        DATABASE_URL: testDb.url,
        ZOHO_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        WORKER_LEASE: '3',
        WORKER_POLL_INTERVAL_MS: '200',
      };
      const api = await startMziServer(env, ['--role', 'api']);
      servers.push(api);
      const startWorker = async () => {
        const started = await startMziServer({ ...env, LOG_LEVEL: 'info' }, ['--role', 'worker']);
        servers.push(started);
        return started;
      };
      let worker = await startWorker();
      const acknowledged = new Map<string, string>();
      let next = 0;

      const lane = async () => {
        while (next < TOTAL) {
          const i = next++;
          const body = deliveryBody(i);
          const response = await fetch(`${api.baseUrl}/api/v1/events/zoho/student`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
            body,
          });
          const reply = (await response.json()) as { event_id: string };
          expect(response.status).toBe(200);
          acknowledged.set(`rk-${i}`, reply.event_id);
        }
      };
      // The API keeps taking deliveries while the worker is killed whenever it has finished a random number of
      // events, so every kill lands in the middle of its work.
      const killer = async () => {
        for (const point of killPoints(KILLS)) {
          await eventually(async () => (await finished()) >= point, {
            what: `${point} events finished before the next kill`,
            timeoutMs: 60_000,
            intervalMs: 25,
          });
          worker.process.kill('SIGKILL');
          await exited(worker);
          worker = await startWorker();
        }
      };
      const started = Date.now();
      await Promise.all([...Array.from({ length: LANES }, lane), killer()]);
      const killedAfterMs = Date.now() - started;
      expect(acknowledged.size).toBe(TOTAL);

      await waitUntilProcessed(testDb.url);
      if (process.env.CRASH_VERBOSE) console.log({ killedAfterMs, drainedAfterMs: Date.now() - started });

      const rows = await query<Row>(
        'SELECT event_id, dedup_key, status, duplicate_of FROM integration_events_log',
      );
      expect(rows).toHaveLength(TOTAL);
      checkAcknowledged(rows, acknowledged);
      const twice = await query(`
      SELECT event_id, count(*) AS n FROM event_attempts WHERE outcome = 'completed'
      GROUP BY event_id HAVING count(*) <> 1`);
      expect(twice).toEqual([]);
      expect(rows.filter((row) => row.status === 'failed')).toHaveLength(TOTAL / 50);
      expect(await api.stop()).toBe(0);
      expect(await worker.stop()).toBe(0);
    }, 180_000);
  },
);
