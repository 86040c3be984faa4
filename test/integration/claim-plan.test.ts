import { type RawBuilder, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { dialectAdapter } from '../../src/db/dialect-adapter.js';
import { claimEvents, dueEvents } from '../../src/event-log/claim-events.js';
import { migratedDatabasePerTest, TEST_DIALECT } from '../helpers/test-database.js';

// The worker's claim must stay a walk of the pending events in id order, checking each candidate's record
// through the record index, however stale PostgreSQL's statistics are: a queue's statistics always are (they
// were taken before the burst, or during one). Each case below builds a log whose statistics mislead the
// planner into reading the whole log or the whole backlog for every claim, as it did before the claim was
// written for it (migration 0006, FINISHED_STATUSES, the record check as a scalar subquery, the adapter's planClaimInIdOrder).

const database = migratedDatabasePerTest();

const NOW = '2026-12-02T12:00:00.000Z';

/**
 * `count` events of records `${prefix}1…`, in one statement (ids follow in that order). `status` may be SQL over
 * `i`, the event's number; `rawBodyBytes` gives each row a raw body of that size (the table's size in pages is
 * part of what the planner weighs).
 */
async function addEvents(
  prefix: string,
  count: number,
  status: string | RawBuilder<string>,
  rawBodyBytes?: number,
): Promise<void> {
  await sql`
    INSERT INTO integration_events_log (event_id, source, module, event_type, record_id, status, created_at,
      updated_at, payload, content_hash, max_attempts, next_attempt_at, raw_body)
    SELECT ${prefix} || i, 'zoho', 'BTEC_Students', 'insert', ${prefix} || i, ${status}, ${NOW}, ${NOW}, '{}',
      'h', 10, '2026-12-02T11:00:00.000Z', ${rawBodyBytes === undefined ? null : sql`repeat('x', ${rawBodyBytes}::int)`}
    FROM generate_series(1, ${count}::int) AS i`.execute(database().db);
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Alias?: string;
  Plans?: PlanNode[];
}

/** Every node of the claim's plan, as PostgreSQL would run it now, after the claim's own settings. */
async function claimPlan(): Promise<PlanNode[]> {
  return database()
    .db.transaction()
    .execute(async (trx) => {
      await dialectAdapter(trx).planClaimInIdOrder(trx);
      const query = dueEvents(trx, { now: NOW, limit: 32 }).compile();
      const explained = await trx.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>({
        ...query,
        sql: `EXPLAIN (FORMAT JSON) ${query.sql}`,
      });
      const nodes: PlanNode[] = [];
      const walk = (node: PlanNode) => {
        nodes.push(node);
        for (const child of node.Plans ?? []) walk(child);
      };
      const plan = explained.rows[0]?.['QUERY PLAN'][0]?.Plan;
      if (!plan) throw new Error('EXPLAIN returned no plan');
      walk(plan);
      return nodes;
    });
}

/** The records of what one claim of 32 takes, in order. */
async function claimedRecords(): Promise<string[]> {
  const claimed = await claimEvents(database().db, {
    workerId: 'w',
    limit: 32,
    leaseSeconds: 60,
    now: new Date(NOW),
  });
  return claimed.map((event) => event.record_id);
}

function expectIndexWalk(nodes: PlanNode[]): void {
  const types = nodes.map((node) => node['Node Type']);
  expect(types).not.toContain('Sort');
  expect(types).not.toContain('Seq Scan');
  expect(types.filter((type) => type.startsWith('Bitmap'))).toEqual([]);
  const scanOf = (alias: string) => nodes.find((node) => node.Alias === alias);
  // The candidates: the pending events in id order, from the index that holds only them.
  expect(scanOf('e')).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'events_pending_idx' });
  // Each candidate's older unfinished events: its record's own events, never the whole backlog.
  expect(scanOf('p')).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'events_record_idx' });
}

describe.skipIf(TEST_DIALECT !== 'postgres')(
  'the claim on PostgreSQL, with statistics of another time',
  () => {
    it('checks each candidate against its own record when the statistics say nothing is pending', async () => {
      await addEvents('done-', 20_000, 'completed');
      await sql`ANALYZE integration_events_log`.execute(database().db);
      await addEvents('burst-', 2_000, 'pending');
      expectIndexWalk(await claimPlan());

      expect(await claimedRecords()).toEqual(Array.from({ length: 32 }, (_, i) => `burst-${i + 1}`));
    });

    it("looks up each candidate's record instead of scanning the log, when statistics say 1 % is pending", async () => {
      // Every 100th of 2,000 events pending when analyzed; then a burst of as many. As an anti join, the record
      // check was a sequential scan of the whole log, kept in memory and compared with every candidate.
      await addEvents(
        'old-',
        2_000,
        sql<string>`CASE WHEN i % 100 = 0 THEN 'pending' ELSE 'completed' END`,
        2000,
      );
      await sql`ANALYZE integration_events_log`.execute(database().db);
      await addEvents('burst-', 2_000, 'pending');
      expectIndexWalk(await claimPlan());

      expect(await claimedRecords()).toEqual([
        ...Array.from({ length: 20 }, (_, i) => `old-${(i + 1) * 100}`),
        ...Array.from({ length: 12 }, (_, i) => `burst-${i + 1}`),
      ]);
    });

    it('walks the pending events in id order, not all of them and a sort, in a young log never analyzed', async () => {
      await sql`ALTER TABLE integration_events_log SET (autovacuum_enabled = false)`.execute(database().db);
      await addEvents('done-', 5_000, 'completed', 500);
      await addEvents('young-', 1_000, 'pending', 500);
      expectIndexWalk(await claimPlan());

      expect(await claimedRecords()).toEqual(Array.from({ length: 32 }, (_, i) => `young-${i + 1}`));
    });

    it('walks the pending events, not the whole log, when the statistics were taken in a burst', async () => {
      await addEvents('burst-', 2_000, 'pending');
      await addEvents('done-', 4_000, 'completed');
      await sql`ANALYZE integration_events_log`.execute(database().db);
      await sql`UPDATE integration_events_log SET status = 'completed' WHERE status = 'pending'`.execute(
        database().db,
      );
      await addEvents('later-', 20_000, 'completed');
      await addEvents('new-', 100, 'pending');
      expectIndexWalk(await claimPlan());

      expect(await claimedRecords()).toEqual(Array.from({ length: 32 }, (_, i) => `new-${i + 1}`));
    });
  },
);
