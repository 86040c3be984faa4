import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { TEST_DIALECT } from '../helpers/test-database.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService();
});
afterEach(async () => {
  await service.cleanup();
});

/**
 * Makes every insert into the event log fail as a full disk does (SQLite's SQLITE_FULL message, PostgreSQL's
 * disk_full SQLSTATE), for every connection: the log writer has its own, so a per-connection limit such as
 * SQLite's max_page_count would not reach it. SQLite, out of space while writing its journal or WAL, rolls the
 * whole transaction back itself: so does RAISE(ROLLBACK).
 */
async function fillTheDisk(db: Kysely<Database>): Promise<void> {
  if (TEST_DIALECT === 'sqlite') {
    await sql`CREATE TRIGGER test_disk_full BEFORE INSERT ON integration_events_log
      BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END`.execute(db);
    return;
  }
  await sql`CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END
    $$`.execute(db);
  await sql`CREATE TRIGGER test_disk_full BEFORE INSERT ON integration_events_log
    FOR EACH ROW EXECUTE FUNCTION test_disk_full()`.execute(db);
}

async function freeTheDisk(db: Kysely<Database>): Promise<void> {
  await sql`DROP TRIGGER test_disk_full${TEST_DIALECT === 'sqlite' ? sql`` : sql` ON integration_events_log`}`.execute(
    db,
  );
}

describe('a full disk', () => {
  it('answers 503 with Retry-After, turns health unhealthy, stores nothing half-written, and recovers by itself', async () => {
    const db = service.database.db;
    expect((await postStudent(service, customStudentBody())).status).toBe(200);
    await fillTheDisk(db);

    const bodies = Array.from({ length: 40 }, (_, i) =>
      customStudentBody({
        data: { Name: `Padding ${'x'.repeat(2000)} ${i}`, Student_ID_Number: `FULL-${i}` },
      }),
    );
    const replies = [];
    for (const body of bodies) replies.push(await postStudent(service, body));
    const refused = replies.filter((r) => r.status === 503);
    expect(refused.length).toBe(bodies.length);
    expect(refused[0]?.headers['retry-after']).toBeDefined();
    expect(refused[0]?.body).toMatchObject({ error: 'storage_unavailable' });
    // The admin sees the error's text; the public only its code (see health-and-stats.test.ts).
    const health = await service.app.inject({
      method: 'GET',
      url: '/api/v1/events/health',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(health.statusCode).toBe(503);
    expect(health.json().reason).toContain('cannot be written');
    // The cause, not the failed rollback after it (SQLite had rolled back already).
    expect(health.json().reason).toMatch(/disk is full|No space left on device/);
    expect(service.logs()).not.toContain('cannot rollback');

    // Every acknowledged delivery is stored, and nothing refused is.
    const stored = new Set(
      (await db.selectFrom('integration_events_log').select('event_id').execute()).map((row) => row.event_id),
    );
    for (const reply of replies) {
      if (reply.status === 200) expect(stored.has(reply.body.event_id as string)).toBe(true);
    }
    expect(stored.size).toBe(1 + replies.filter((r) => r.status === 200).length);

    // Still full: a quiet health check keeps saying so.
    expect((await service.app.inject({ method: 'GET', url: '/api/v1/events/health' })).statusCode).toBe(503);

    await freeTheDisk(db);
    expect((await postStudent(service, customStudentBody())).status).toBe(200);
    const healed = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(healed.statusCode).toBe(200);
    await service.worker.drain();
    expect(
      await db
        .selectFrom('integration_events_log')
        .select('event_id')
        .where('module', '=', 'mzi.probe')
        .execute(),
    ).toEqual([]);
  });
});
