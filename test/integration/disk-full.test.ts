import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { TEST_DIALECT } from '../helpers/test-database.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService();
});
afterEach(async () => {
  await service.cleanup();
});

// SQLite's max_page_count makes the database full exactly as a full disk does (SQLITE_FULL on write).
describe.skipIf(TEST_DIALECT !== 'sqlite')('a full disk', () => {
  it('answers 503 with Retry-After, turns health unhealthy, stores nothing half-written, and recovers by itself', async () => {
    const db = service.database.db;
    await postStudent(service, customStudentBody());
    const pages = await sql<{ page_count: number }>`PRAGMA page_count`.execute(db);
    await sql.raw(`PRAGMA max_page_count = ${pages.rows[0]?.page_count ?? 1}`).execute(db);

    const bodies = Array.from({ length: 40 }, (_, i) =>
      customStudentBody({
        data: { Name: `Padding ${'x'.repeat(2000)} ${i}`, Student_ID_Number: `FULL-${i}` },
      }),
    );
    const replies = [];
    for (const body of bodies) replies.push(await postStudent(service, body));
    const refused = replies.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.headers['retry-after']).toBeDefined();
    expect(refused[0]?.body).toMatchObject({ error: 'storage_unavailable' });
    const health = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json().reason).toContain('cannot be written');

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

    await sql.raw('PRAGMA max_page_count = 1073741823').execute(db);
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
