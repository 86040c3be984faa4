import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import { customStudentBody } from '../helpers/deliveries.js';
import { eventually } from '../helpers/eventually.js';
import { startFakeMoodle } from '../helpers/fake-moodle.js';
import { killAll, type MziServer, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/test-database.js';
import { startTestService } from '../helpers/test-service.js';

/**
 * Graceful shutdown (issue 6): SIGTERM to `mzi serve` in the middle of a burst. Requests in flight finish; each
 * request gets a complete answer or a refused/reset connection, never a 200 for an event that was not stored;
 * the process exits 0 within SHUTDOWN_BUDGET_MS; after a restart, every acknowledged delivery is processed.
 */

const SECRET = 'shutdown-secret';
const LANES = 48;
const SHUTDOWN_BUDGET_MS = 15_000;

let testDb: TestDatabase;
let servers: MziServer[] = [];
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  killAll(servers);
  servers = [];
  await testDb.drop();
});

interface Outcome {
  i: number;
  /** HTTP status of a complete answer, or undefined when the connection failed. */
  status: number | undefined;
  eventId: string | undefined;
  error: string | undefined;
}

describe.skipIf(TEST_DATABASE_URL !== undefined)('graceful shutdown of mzi serve', () => {
  it('finishes in-flight requests, acknowledges nothing it did not store, exits 0 in time, loses nothing', async () => {
    const file = join(testDb.dir, 'mzi.sqlite');
    const env = { DATABASE_URL: `sqlite:${file}`, ZOHO_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn' };
    const server = await startMziServer(env);
    servers.push(server);

    const outcomes: Outcome[] = [];
    let next = 0;
    let signalledAt: number | undefined;
    let exitedAt: number | undefined;
    const exitCode = new Promise<number | null>((resolve) =>
      server.process.once('exit', (code) => {
        exitedAt = Date.now();
        resolve(code);
      }),
    );
    const sigtermAfter = 300 + Math.floor(Math.random() * 300);

    const lane = async () => {
      // Keep sending until the process is gone and a few requests have been refused.
      while (exitedAt === undefined || outcomes.filter((o) => o.status === undefined).length < LANES) {
        const i = next++;
        const body = JSON.stringify({
          notification_id: `gs-${i}`,
          module: 'BTEC_Students',
          operation: 'update',
          record_id: String(5_725_767_300_000_000 + (i % 200)),
          data: { Academic_Email: `gs${i % 200}@student.example.edu`, City: `City ${i}` },
        });
        try {
          const response = await fetch(`${server.baseUrl}/api/v1/events/zoho/student`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
            body,
          });
          const text = await response.text();
          const reply = JSON.parse(text) as { event_id?: string };
          outcomes.push({ i, status: response.status, eventId: reply.event_id, error: undefined });
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause;
          outcomes.push({ i, status: undefined, eventId: undefined, error: cause?.code ?? String(error) });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        if (signalledAt === undefined && outcomes.length >= sigtermAfter) {
          signalledAt = Date.now();
          server.process.kill('SIGTERM');
        }
        if (exitedAt !== undefined && Date.now() - exitedAt > 2_000) break;
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));

    expect(await exitCode).toBe(0);
    expect(signalledAt).toBeDefined();
    const shutdownMs = (exitedAt as number) - (signalledAt as number);
    expect(shutdownMs).toBeLessThan(SHUTDOWN_BUDGET_MS);

    // Every answer is complete and one of: stored (200), refused while closing (503), or no connection.
    const statuses = new Set(outcomes.map((o) => o.status));
    for (const status of statuses) expect([200, 503, undefined]).toContain(status);
    const acknowledged = outcomes.filter((o) => o.status === 200);
    const answeredAfterSignal = acknowledged.filter((o) => o.i >= sigtermAfter).length;
    expect(acknowledged.length).toBeGreaterThanOrEqual(sigtermAfter - LANES);
    expect(outcomes.some((o) => o.status === undefined)).toBe(true);

    // Restart on the same file: every acknowledged delivery is there once and gets processed.
    const again = await startMziServer(env);
    servers.push(again);
    await waitForIdle(again.baseUrl, 60_000);
    expect(await again.stop()).toBe(0);

    const sqlite = new Database(file, { readonly: true });
    try {
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = sqlite
        .prepare('SELECT event_id, dedup_key, status FROM integration_events_log')
        .all() as Array<{ event_id: string; dedup_key: string; status: string }>;
      const byKey = new Map(rows.map((row) => [row.dedup_key, row]));
      expect(new Set(rows.map((row) => row.dedup_key)).size).toBe(rows.length);
      const missing = acknowledged.filter((o) => byKey.get(`gs-${o.i}`)?.event_id !== o.eventId);
      expect(missing).toEqual([]);
      // A request whose connection failed was never taken in: had it been stored, an in-flight request would
      // have lost its answer. (Refused 503s are not stored either.)
      const cut = outcomes.filter((o) => o.status !== 200 && byKey.has(`gs-${o.i}`));
      expect(cut).toEqual([]);
      for (const o of acknowledged) expect(byKey.get(`gs-${o.i}`)?.status).toBe('completed');
    } finally {
      sqlite.close();
    }
    if (process.env.SHUTDOWN_VERBOSE) {
      console.log({
        shutdownMs,
        acknowledged: acknowledged.length,
        answeredAfterSignal,
        refused503: outcomes.filter((o) => o.status === 503).length,
        connectionErrors: outcomes.filter((o) => o.status === undefined).length,
        errors: [...new Set(outcomes.map((o) => o.error).filter(Boolean))],
      });
    }
  }, 90_000);

  it('exits 0 in time while the worker waits on a Moodle that does not answer, and finishes the events after restart', async () => {
    const moodle = await startFakeMoodle();
    try {
      const file = join(testDb.dir, 'moodle-slow.sqlite');
      const env = {
        DATABASE_URL: `sqlite:${file}`,
        ZOHO_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        MOODLE_URL: moodle.url,
        MOODLE_TOKEN: moodle.token,
        MOODLE_TIMEOUT: '60',
      };
      const server = await startMziServer(env);
      servers.push(server);
      moodle.setDelay(60_000);
      const acknowledged: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const body = JSON.stringify({
          notification_id: `slow-${i}`,
          operation: 'insert',
          record_id: String(5_725_767_400_000_000 + i),
          data: { Academic_Email: `slow${i}@student.example.edu`, Name: 'Slow Moodle' },
        });
        const response = await fetch(`${server.baseUrl}/api/v1/events/zoho/student`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
          body,
        });
        expect(response.status).toBe(200);
        acknowledged.push(((await response.json()) as { event_id: string }).event_id);
      }
      // The worker is now stuck in Moodle calls.
      await eventually(() => moodle.inFlight > 0, { what: 'a Moodle call in flight' });

      const started = Date.now();
      const code = await server.stop();
      const shutdownMs = Date.now() - started;
      expect(code).toBe(0);
      expect(shutdownMs).toBeLessThan(SHUTDOWN_BUDGET_MS);

      moodle.setDelay(0);
      const again = await startMziServer(env);
      servers.push(again);
      await waitForIdle(again.baseUrl, 60_000);
      expect(await again.stop()).toBe(0);
      const sqlite = new Database(file, { readonly: true });
      try {
        const rows = sqlite.prepare('SELECT event_id, status FROM integration_events_log').all() as Array<{
          event_id: string;
          status: string;
        }>;
        expect(rows).toHaveLength(acknowledged.length);
        for (const row of rows) expect(row.status).toBe('completed');
      } finally {
        sqlite.close();
      }
      if (process.env.SHUTDOWN_VERBOSE) console.log({ slowMoodleShutdownMs: shutdownMs });
    } finally {
      await moodle.close();
    }
  }, 90_000);
});

/** Resolves once nothing accepts connections on `port` any more (the server has begun closing). */
async function untilRefused(port: number): Promise<void> {
  const refused = () =>
    new Promise<boolean>((resolve) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
  await eventually(refused, { what: `port ${port} refusing connections`, intervalMs: 10 });
}

describe('a request that arrives while the server closes', () => {
  it('gets the documented 503: JSON storage_unavailable with a message, and Retry-After', async () => {
    const service = await startTestService();
    try {
      await service.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = service.app.server.address() as { port: number };
      // A connection busy with a request (its headers begun) is not closed as idle: it is still served.
      const socket: Socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const body = JSON.stringify(customStudentBody());
      socket.write('POST /api/v1/events/zoho/student HTTP/1.1\r\nHost: localhost\r\n');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += String(chunk);
      });
      const ended = new Promise((resolve) => socket.once('close', resolve));

      const closing = service.app.close();
      await untilRefused(port);
      socket.write(
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await ended;
      await closing;

      const [head = '', text = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head).toMatch(/\r\nretry-after: \d+\r\n/i);
      expect(head).toMatch(/\r\ncontent-type: application\/json/i);
      expect(JSON.parse(text)).toEqual({ error: 'storage_unavailable', message: expect.any(String) });
    } finally {
      await service.cleanup();
    }
  });
});
