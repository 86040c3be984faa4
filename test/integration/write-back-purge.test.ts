import { describe, expect, it } from 'vitest';
import { purgeWriteBacks } from '../../src/write-back/purge-write-backs.js';
import { type WriteBackStatus, withWriteBacks } from '../../src/write-back/write-back-table.js';
import { migratedDatabasePerTest } from '../helpers/test-database.js';

const database = migratedDatabasePerTest();
const OLD = '2026-01-01T00:00:00.000Z';
const RECENT = '2026-12-07T00:00:00.000Z';

async function add(recordId: string, status: WriteBackStatus, updatedAt: string): Promise<number> {
  const row = await withWriteBacks(database().db)
    .insertInto('zoho_write_backs')
    .values({
      event_id: `evt_${recordId}_${status}_${Math.random()}`,
      module: 'BTEC_Students',
      record_id: recordId,
      fields: '{"Moodle_User_ID":"42"}',
      status,
      attempts: 1,
      next_attempt_at: updatedAt,
      locked_by: null,
      locked_until: null,
      error_code: null,
      error_message: null,
      created_at: updatedAt,
      updated_at: updatedAt,
      written_at: status === 'written' ? updatedAt : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('purgeWriteBacks', () => {
  it("deletes old replaced writes but keeps each record's latest write, failures and recent rows", async () => {
    const replaced = await add('r1', 'superseded', OLD);
    const olderWrite = await add('r1', 'written', OLD);
    const latestWrite = await add('r1', 'written', OLD);
    const onlyWrite = await add('r2', 'written', OLD);
    const failed = await add('r3', 'failed', OLD);
    const recent = await add('r4', 'superseded', RECENT);
    const pending = await add('r4', 'pending', OLD);

    const purged = await purgeWriteBacks(database().db, { before: new Date('2026-06-01'), limit: 100 });
    expect(purged).toBe(2);
    const left = await withWriteBacks(database().db)
      .selectFrom('zoho_write_backs')
      .select('id')
      .orderBy('id')
      .execute();
    expect(left.map((row) => row.id)).toEqual([latestWrite, onlyWrite, failed, recent, pending]);
    expect([replaced, olderWrite].some((id) => left.some((row) => row.id === id))).toBe(false);
  });
});
