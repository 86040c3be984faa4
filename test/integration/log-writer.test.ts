import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customStudentBody, eventRow, postStudent } from '../helpers/deliveries.js';
import { TEST_DIALECT } from '../helpers/test-database.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

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

/** Whether `promise` has settled after a few turns of the event loop. */
async function settled(promise: Promise<unknown>, waitMs = 300): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  return done;
}

describe.skipIf(TEST_DIALECT !== 'sqlite')('the SQLite log writer thread', () => {
  it('appends on a connection of its own: the HTTP thread commits without fsync, the log with a full one', async () => {
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
    expect(await settled(posting)).toBe(false);
    // The HTTP thread is free: health answers while the delivery waits for the lock.
    const health = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(health.statusCode).toBe(200);
    expect(await settled(posting, 50)).toBe(false);

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
});
