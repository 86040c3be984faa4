import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/create-database.js';
import { EVENTS_CHANNEL } from '../../src/db/dialect-adapter.js';
import { sign } from '../../src/webhooks/sign.js';
import { eventually } from '../helpers/eventually.js';
import { type MziServer, startMziServer } from '../helpers/mzi-process.js';
import { type PrivatePostgres, postgresBinDir, startPrivatePostgres } from '../helpers/private-postgres.js';
import {
  createTestDatabase,
  queryPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
  waitUntilProcessed,
} from '../helpers/test-database.js';

// A PostgreSQL of the test's own is needed to stop the database under mzi (the shared server is never stopped).
// CI installs the server programs, and sets MZI_REQUIRE_POSTGRES_SERVER so that their absence fails the run.
const haveServerPrograms = postgresBinDir() !== undefined;
if (!haveServerPrograms && process.env.MZI_REQUIRE_POSTGRES_SERVER) {
  throw new Error(
    'PostgreSQL server programs are required for the database outage tests but initdb is missing (apt-get install -y postgresql).',
  );
}
if (!haveServerPrograms) {
  process.stderr.write(
    '\nDatabase outage tests on a private PostgreSQL not run: initdb is missing (apt-get install -y postgresql).\n',
  );
}

const SECRET = 'outage-secret';
const servers: MziServer[] = [];
const instances: PrivatePostgres[] = [];
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const server of servers) await server.stop().catch(() => {});
  for (const instance of instances) await instance.destroy();
  for (const database of databases) await database.drop();
});

interface Answer {
  notificationId: string;
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/**
 * Sends deliveries from `lanes` concurrent senders until `shouldStop()` (or `max` deliveries), each with its own
 * notification id, and records every answer.
 */
function startBurst(options: { baseUrl: string; prefix: string; lanes: number; max: number }) {
  const answers: Answer[] = [];
  let next = 0;
  let stopped = false;
  const lane = async () => {
    while (!stopped && next < options.max) {
      const i = next++;
      const notificationId = `${options.prefix}-${i}`;
      const body = JSON.stringify({
        notification_id: notificationId,
        module: 'BTEC_Students',
        operation: 'insert',
        record_id: `${options.prefix}-r${i}`,
        data: { Academic_Email: `${options.prefix}${i}@student.example.edu`, City: `City ${i}` },
      });
      try {
        const response = await fetch(`${options.baseUrl}/api/v1/events/zoho/student`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(body, SECRET) },
          body,
        });
        answers.push({
          notificationId,
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: (await response.json()) as Record<string, unknown>,
        });
      } catch (error) {
        // The process died: recorded as an answer that the assertions below refuse.
        answers.push({ notificationId, status: 0, retryAfter: null, body: { error: String(error) } });
        return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.lanes }, lane));
  return {
    answers,
    accepted: () => answers.filter((answer) => answer.status === 200).length,
    refused: () => answers.filter((answer) => answer.status !== 200).length,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function health(baseUrl: string) {
  const response = await fetch(`${baseUrl}/api/v1/events/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function expectAlive(server: MziServer): void {
  expect(server.process.exitCode, server.output()).toBeNull();
  expect(server.process.signalCode, server.output()).toBeNull();
}

/** Every answer is a 200, or a 503 with Retry-After and a JSON body saying the event was not stored. */
function expectOnlyAcceptedOrRetryLater(answers: Answer[]): void {
  for (const answer of answers) {
    if (answer.status === 200) continue;
    expect(answer, answer.notificationId).toMatchObject({
      status: 503,
      retryAfter: expect.stringMatching(/^\d+$/),
      body: { error: 'storage_unavailable', message: expect.stringContaining('send it again') },
    });
  }
}

/** Every acknowledged delivery is in the log and completed, and no event failed. */
async function expectAcknowledgedCompleted(url: string, answers: Answer[]): Promise<void> {
  await waitUntilProcessed(url);
  const rows = await queryPostgres<{ dedup_key: string; status: string; error_message: string | null }>(
    url,
    "SELECT dedup_key, status, error_message FROM integration_events_log WHERE status <> 'duplicate'",
  );
  const completed = new Set(rows.filter((row) => row.status === 'completed').map((row) => row.dedup_key));
  expect(rows.filter((row) => row.status !== 'completed')).toEqual([]);
  const missing = answers
    .filter((answer) => answer.status === 200)
    .filter((answer) => !completed.has(answer.notificationId));
  expect(missing).toEqual([]);
}

describe.skipIf(!haveServerPrograms)('a private PostgreSQL stopped and started under mzi', () => {
  it('keeps running through the outage: 503 with Retry-After meanwhile, health says why, then recovers by itself', async () => {
    const instance = await startPrivatePostgres();
    instances.push(instance);
    const server = await startMziServer({
      DATABASE_URL: instance.url,
      ZOHO_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      WORKER_LEASE: '3',
      WORKER_POLL_INTERVAL_MS: '200',
    });
    servers.push(server);

    const burst = startBurst({ baseUrl: server.baseUrl, prefix: 'outage', lanes: 8, max: 20_000 });
    await eventually(() => burst.accepted() >= 100, {
      what: 'deliveries accepted before the outage',
      timeoutMs: 30_000,
    });
    await instance.stop();
    const acceptedBeforeStart = burst.accepted();
    await eventually(
      () => {
        expectAlive(server);
        return burst.refused() >= 20;
      },
      { what: 'deliveries refused during the outage', timeoutMs: 30_000 },
    );
    const during = await health(server.baseUrl);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ status: 'unhealthy', database: { status: 'error' } });
    // Health is public: the outage's errors (connect ECONNREFUSED host:port) must not name the server.
    expect(JSON.stringify(during.body)).not.toContain(new URL(instance.url).host);
    expectAlive(server);

    await instance.start();
    await eventually(async () => (await health(server.baseUrl)).status === 200, {
      what: 'health after the restart',
      timeoutMs: 30_000,
    });
    await eventually(() => burst.accepted() >= acceptedBeforeStart + 100, {
      what: 'deliveries accepted after the restart',
      timeoutMs: 30_000,
    });
    await burst.stop();
    expectAlive(server);
    expectOnlyAcceptedOrRetryLater(burst.answers);
    await expectAcknowledgedCompleted(instance.url, burst.answers);

    const second = startBurst({ baseUrl: server.baseUrl, prefix: 'after', lanes: 8, max: 200 });
    await second.stop();
    expect(second.refused()).toBe(0);
    await expectAcknowledgedCompleted(instance.url, second.answers);
    expect((await health(server.baseUrl)).body).toMatchObject({ status: 'healthy' });
    expectAlive(server);
  }, 240_000);

  it('keeps separate API and worker processes running through the outage, and the worker picks up afterwards', async () => {
    const instance = await startPrivatePostgres();
    instances.push(instance);
    const env = {
      DATABASE_URL: instance.url,
      ZOHO_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      WORKER_LEASE: '3',
    };
    const api = await startMziServer(env, ['--role', 'api']);
    const worker = await startMziServer({ ...env, LOG_LEVEL: 'info' }, ['--role', 'worker']);
    servers.push(api, worker);

    const before = startBurst({ baseUrl: api.baseUrl, prefix: 'split-before', lanes: 4, max: 100 });
    await before.stop();
    await instance.stop();
    const during = startBurst({ baseUrl: api.baseUrl, prefix: 'split-during', lanes: 4, max: 40 });
    await during.stop();
    expect(during.accepted()).toBe(0);
    expectOnlyAcceptedOrRetryLater(during.answers);
    // Long enough for the worker's claims and its listening connection to fail several times.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expectAlive(api);
    expectAlive(worker);

    await instance.start();
    await eventually(async () => (await health(api.baseUrl)).status === 200, {
      what: 'health after the restart',
      timeoutMs: 30_000,
    });
    const after = startBurst({ baseUrl: api.baseUrl, prefix: 'split-after', lanes: 4, max: 100 });
    await after.stop();
    expect(after.refused()).toBe(0);
    await expectAcknowledgedCompleted(instance.url, [...before.answers, ...after.answers]);
    expectAlive(api);
    expectAlive(worker);
  }, 180_000);

  it('listens for new events again after the database comes back', async () => {
    const instance = await startPrivatePostgres();
    instances.push(instance);
    const handle = createDatabase(instance.url);
    let notified = 0;
    const stopListening = await handle.listen(
      EVENTS_CHANNEL,
      () => {
        notified += 1;
      },
      () => {},
    );
    try {
      await instance.stop();
      // Long enough for several reconnection attempts to fail while the server is down.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await instance.start();
      await eventually(
        async () => {
          const rows = await queryPostgres<{ n: string }>(
            instance.url,
            `SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'LISTEN ${EVENTS_CHANNEL}'`,
          );
          return Number(rows[0]?.n) === 1;
        },
        { what: 'a listening connection', timeoutMs: 30_000 },
      );
      const before = notified;
      await queryPostgres(instance.url, `SELECT pg_notify('${EVENTS_CHANNEL}', '')`);
      await eventually(() => notified > before, {
        what: 'a notification after the restart',
        timeoutMs: 30_000,
      });
    } finally {
      await stopListening();
      await handle.close();
    }
  }, 120_000);
});

describe.skipIf(!TEST_DATABASE_URL)('mzi connections terminated on the shared PostgreSQL', () => {
  it('survives pg_terminate_backend of all its connections mid-burst, losing and failing nothing', async () => {
    const testDb = await createTestDatabase();
    databases.push(testDb);
    // Only this test's own connections are ever terminated: they carry an application name of their own.
    const applicationName = `mzi_outage_${randomBytes(4).toString('hex')}`;
    const url = new URL(testDb.url);
    url.searchParams.set('application_name', applicationName);
    const server = await startMziServer({
      DATABASE_URL: url.toString(),
      ZOHO_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      WORKER_LEASE: '3',
      WORKER_POLL_INTERVAL_MS: '200',
    });
    servers.push(server);
    const terminate = () =>
      queryPostgres<{ terminated: boolean }>(
        testDb.url,
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
         WHERE application_name = '${applicationName}' AND pid <> pg_backend_pid()`,
      );

    const burst = startBurst({ baseUrl: server.baseUrl, prefix: 'terminated', lanes: 8, max: 20_000 });
    let terminated = 0;
    for (let round = 1; round <= 5; round += 1) {
      await eventually(() => burst.accepted() >= round * 100, {
        what: `deliveries before round ${round}`,
        timeoutMs: 30_000,
      });
      terminated += (await terminate()).filter((row) => row.terminated).length;
    }
    await eventually(() => burst.accepted() >= 600, {
      what: 'deliveries after the last termination',
      timeoutMs: 30_000,
    });
    await burst.stop();
    expect(terminated).toBeGreaterThanOrEqual(5);
    expectAlive(server);
    expectOnlyAcceptedOrRetryLater(burst.answers);
    await expectAcknowledgedCompleted(testDb.url, burst.answers);

    const second = startBurst({ baseUrl: server.baseUrl, prefix: 'later', lanes: 8, max: 200 });
    await second.stop();
    expect(second.refused()).toBe(0);
    await expectAcknowledgedCompleted(testDb.url, second.answers);
    expect((await health(server.baseUrl)).body).toMatchObject({ status: 'healthy' });
    expectAlive(server);
  }, 240_000);
});
