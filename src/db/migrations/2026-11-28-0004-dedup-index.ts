import type { Kysely } from 'kysely';

// The re-delivery lookup (`module = ? AND dedup_key = ? ORDER BY id`) must not be answered by the
// (module, id) index of migration 0003: SQLite chose it and scanned every event of the module for each
// delivery, slower as the log grew (docs/PERFORMANCE.md#indexes-of-the-event-log). One index with all three
// columns is the obvious choice for any planner. Frozen in time: never edit a migration that has shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_dedup_key_idx').execute();
  await db.schema
    .createIndex('events_dedup_idx')
    .on('integration_events_log')
    .columns(['module', 'dedup_key', 'id'])
    .execute();
  // Name search is a substring match (LIKE '%…%'), which no b-tree serves; on PostgreSQL the index also
  // refused names longer than its 2,704-byte entries.
  await db.schema.dropIndex('students_name_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('students_name_idx').on('students').column('name').execute();
  await db.schema.dropIndex('events_dedup_idx').execute();
  await db.schema
    .createIndex('events_dedup_key_idx')
    .on('integration_events_log')
    .column('dedup_key')
    .execute();
}
