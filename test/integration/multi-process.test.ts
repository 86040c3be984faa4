import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import { type MziServer, runMzi, startMziServer } from '../helpers/mzi-process.js';
import {
  createTestDatabase,
  queryPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
  waitUntilProcessed,
} from '../helpers/test-database.js';

const SECRET = 'multi-secret';
let testDb: TestDatabase;
const servers: MziServer[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  for (const server of servers) await server.stop().catch(() => {});
  await testDb.drop();
});

const query = <T>(text: string) => queryPostgres<T>(testDb.url, text);

describe('roles', () => {
  it('refuses --role api or worker on SQLite, saying that it needs PostgreSQL', () => {
    const result = runMzi(['serve', '--role', 'worker'], { DATABASE_URL: 'sqlite::memory:' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs PostgreSQL');
  });
});

describe.skipIf(!TEST_DATABASE_URL)('several API and worker processes on PostgreSQL', () => {
  it('completes every unique delivery exactly once through a worker kill -9, and keeps the last state of each record', async () => {
    const env = {
      DATABASE_URL: testDb.url,
      ZOHO_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      WORKER_LEASE: '3',
      WORKER_POLL_INTERVAL_MS: '200',
    };
    const apis = [
      await startMziServer({ ...env }, ['--role', 'api']),
      await startMziServer({ ...env }, ['--role', 'api']),
    ];
    const workers = [
      await startMziServer({ ...env, LOG_LEVEL: 'info' }, ['--role', 'worker']),
      await startMziServer({ ...env, LOG_LEVEL: 'info' }, ['--role', 'worker']),
    ];
    servers.push(...apis, ...workers);

    const records = 500;
    const total = 5000;
    const bodies: string[] = [];
    const plan: number[] = []; // index into bodies for each delivery; re-deliveries repeat an earlier one
    for (let i = 0; i < total; i += 1) {
      if (i > 100 && i % 10 === 0) {
        plan.push(Math.floor(Math.random() * bodies.length));
        continue;
      }
      const n = bodies.length;
      bodies.push(
        JSON.stringify({
          notification_id: `mp-${n}`,
          module: 'BTEC_Students',
          operation: n < records ? 'insert' : 'update',
          record_id: String(8_000_000 + (n % records)),
          data: { Academic_Email: `mp${n % records}@student.example.edu`, City: `City ${n}` },
        }),
      );
      plan.push(n);
    }

    let next = 0;
    let killed = false;
    let acknowledged = 0;
    const lane = async (laneIndex: number) => {
      const api = apis[laneIndex % apis.length] as MziServer;
      while (next < plan.length) {
        const body = bodies[plan[next++] as number] as string;
        const response = await fetch(`${api.baseUrl}/api/v1/events/zoho/student`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
          body,
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        acknowledged += 1;
        if (!killed && acknowledged >= 2000) {
          killed = true;
          workers[0]?.process.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, i) => lane(i)));
    expect(killed).toBe(true);

    await waitUntilProcessed(testDb.url);

    const perKey = await query<{
      dedup_key: string;
      accepted: string;
      duplicates: string;
      completed: string;
    }>(`
      SELECT dedup_key,
             count(*) FILTER (WHERE status <> 'duplicate') AS accepted,
             count(*) FILTER (WHERE status = 'duplicate') AS duplicates,
             count(*) FILTER (WHERE status = 'completed') AS completed
      FROM integration_events_log GROUP BY dedup_key`);
    expect(perKey).toHaveLength(bodies.length);
    const redeliveries = plan.length - bodies.length;
    let duplicates = 0;
    for (const row of perKey) {
      expect(Number(row.accepted), row.dedup_key).toBe(1);
      expect(Number(row.completed), row.dedup_key).toBe(1);
      duplicates += Number(row.duplicates);
    }
    expect(duplicates).toBe(redeliveries);

    const completions = await query<{ event_id: string; n: string }>(`
      SELECT event_id, count(*) AS n FROM event_attempts WHERE outcome = 'completed' GROUP BY event_id HAVING count(*) <> 1`);
    expect(completions).toEqual([]);

    const mismatched = await query<{ record_id: string }>(`
      SELECT last.record_id FROM (
        SELECT DISTINCT ON (record_id) record_id, payload FROM integration_events_log
        WHERE status <> 'duplicate' ORDER BY record_id, id DESC
      ) AS last
      JOIN students s ON s.zoho_record_id = last.record_id
      WHERE s.city IS DISTINCT FROM (last.payload::json -> 'data' ->> 'City')`);
    expect(mismatched).toEqual([]);
    const [students] = await query<{ n: string }>('SELECT count(*) AS n FROM students');
    expect(Number(students?.n)).toBe(records);
  }, 180_000);
});
