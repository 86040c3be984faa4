import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getEventStats } from '../../src/event-log/get-event-stats.js';
import { purgeEvents } from '../../src/event-log/purge-events.js';
import { retryMatchingEvents } from '../../src/event-log/retry-matching-events.js';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { runMzi } from '../helpers/mzi-process.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService({}, { threads: false });
});
afterEach(async () => {
  await service.cleanup();
});

async function countedDirectly(s: TestService) {
  const rows = await sql<{ status: string; n: number | string }>`
    SELECT status, count(*) AS n FROM integration_events_log GROUP BY status`.execute(s.database.db);
  return Object.fromEntries(rows.rows.map((r) => [r.status, Number(r.n)]));
}

function nonZero(counts: Record<string, number>) {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}

async function workload(s: TestService) {
  for (let i = 0; i < 6; i += 1) {
    const body = customStudentBody({
      data: { Student_ID_Number: `K-${i}`, Academic_Email: i % 3 === 0 ? 'bad' : `k${i}@x.edu` },
    });
    await postStudent(s, body);
    if (i % 2 === 0) await postStudent(s, body); // re-delivery
  }
  await postStudent(s, customStudentBody({ operation: 'nonsense' }));
  await s.worker.drain();
}

describe('counts kept by the database', () => {
  it('match a direct count after inserts, duplicates, failures, completions, retries and purges', async () => {
    await workload(service);
    await service.database.adapter.foldEventCounts(service.database.db);
    expect(nonZero((await getEventStats(service.database.db)).by_status)).toEqual(
      await countedDirectly(service),
    );

    await retryMatchingEvents(service.database.db, {});
    await service.worker.drain();
    await purgeEvents(service.database.db, { before: new Date(Date.now() + 1000), statuses: ['duplicate'] });
    await service.database.adapter.foldEventCounts(service.database.db);
    const stats = await getEventStats(service.database.db);
    expect(nonZero(stats.by_status)).toEqual(await countedDirectly(service));
    expect(stats.total_events).toBe(Object.values(await countedDirectly(service)).reduce((a, b) => a + b, 0));
  });

  it('answer stats from the counters, not from the log (a row changed behind the triggers stays uncounted)', async () => {
    await workload(service);
    await service.database.adapter.foldEventCounts(service.database.db);
    const before = await getEventStats(service.database.db);
    await sql`DELETE FROM event_counts`.execute(service.database.db);
    const after = await getEventStats(service.database.db);
    expect(before.total_events).toBeGreaterThan(0);
    expect(after.total_events).toBe(0);
  });
});

describe('purging old events', () => {
  it('deletes completed and duplicate events before the date in batches, with their attempts, and keeps failed ones', async () => {
    await workload(service);
    const db = service.database.db;
    const direct = await countedDirectly(service);
    const purged = await purgeEvents(db, {
      before: new Date(Date.now() + 1000),
      statuses: ['completed', 'duplicate'],
      batchSize: 2,
    });
    expect(purged).toBe((direct.completed ?? 0) + (direct.duplicate ?? 0));
    expect(await countedDirectly(service)).toEqual({ failed: direct.failed });
    const attempts = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM event_attempts a
      WHERE NOT EXISTS (SELECT 1 FROM integration_events_log e WHERE e.event_id = a.event_id)`.execute(db);
    expect(Number(attempts.rows[0]?.n)).toBe(0);
  });

  it('keeps events newer than the date', async () => {
    await workload(service);
    expect(
      await purgeEvents(service.database.db, {
        before: new Date(Date.now() - 60_000),
        statuses: ['completed'],
      }),
    ).toBe(0);
  });

  it('purges from the command line, failed ones only when asked', async () => {
    await workload(service);
    const env = { DATABASE_URL: service.config.databaseUrl };
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const first = runMzi(['events', 'purge', '--before', tomorrow], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/purged \d+ event\(s\)/);
    expect(Object.keys(await countedDirectly(service))).toEqual(['failed']);
    const second = runMzi(['events', 'purge', '--before', tomorrow, '--include-failed'], env);
    expect(second.stdout).toMatch(/purged [1-9]\d* event\(s\)/);
    expect(await countedDirectly(service)).toEqual({});
    expect(runMzi(['events', 'purge', '--before', 'someday'], env).code).toBe(2);
  });
});
