import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { VACUUM_AFTER_FOLDED_ROWS } from '../../src/db/postgres-adapter.js';
import { getEventStats } from '../../src/event-log/get-event-stats.js';
import { migratedDatabasePerTest, TEST_DIALECT } from '../helpers/test-database.js';

const database = migratedDatabasePerTest();

describe.skipIf(TEST_DIALECT !== 'postgres')('folding the count deltas on PostgreSQL', () => {
  /** Pages of the deltas table: a sequential scan (every stats call) reads them all, dead rows or not. */
  async function deltaPages(): Promise<number> {
    const result = await sql<{ pages: number }>`
      SELECT (pg_relation_size('event_count_deltas') / current_setting('block_size')::int)::int AS pages`.execute(
      database().db,
    );
    return result.rows[0]?.pages ?? -1;
  }
  /** `n` delta rows of +1 completed event each, as the counters' triggers would leave them. */
  async function addDeltas(n: number): Promise<void> {
    await sql`
      INSERT INTO event_count_deltas (status, source, module, d)
      SELECT 'completed', 'zoho', 'BTEC_Students', 1 FROM generate_series(1, ${n}::int)`.execute(
      database().db,
    );
  }

  it('vacuums the deltas once enough were folded, so that stats do not read their dead pages', async () => {
    await addDeltas(VACUUM_AFTER_FOLDED_ROWS / 2);
    await database().adapter.foldEventCounts(database().db);
    // Folded, not vacuumed yet: the deleted rows' pages stay, and the next deltas go after them.
    const afterFirstFold = await deltaPages();
    expect(afterFirstFold).toBeGreaterThan(0);
    expect((await getEventStats(database().db)).total_events).toBe(VACUUM_AFTER_FOLDED_ROWS / 2);

    await addDeltas(VACUUM_AFTER_FOLDED_ROWS / 2);
    expect(await deltaPages()).toBeGreaterThan(afterFirstFold);
    await database().adapter.foldEventCounts(database().db);
    expect(await deltaPages()).toBe(0);
    expect((await getEventStats(database().db)).total_events).toBe(VACUUM_AFTER_FOLDED_ROWS);
  });
});
