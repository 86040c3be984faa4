import { type Kysely, sql } from 'kysely';

// Every index is paid on every append and status change (a CPU profile of ingest showed SQLite's own work
// as the largest share). A filter by operation alone is rare and served well enough by the status and record
// indexes; duplicates and delivery ids exist on few rows, so their indexes only hold those rows.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_event_type_idx').execute();
  await db.schema.dropIndex('events_duplicate_of_idx').execute();
  await db.schema
    .createIndex('events_duplicate_of_idx')
    .on('integration_events_log')
    .column('duplicate_of')
    .where(sql.ref('duplicate_of'), 'is not', null)
    .execute();
  // Record first: the same index then serves per-record order and dedup (module and record given) and the
  // dashboard's search by Zoho record id alone (docs/PERFORMANCE.md#indexes-of-the-event-log).
  await db.schema.dropIndex('events_record_idx').execute();
  await db.schema
    .createIndex('events_record_idx')
    .on('integration_events_log')
    .columns(['record_id', 'module', 'id'])
    .execute();
  await db.schema.dropIndex('events_dedup_idx').execute();
  await db.schema
    .createIndex('events_dedup_idx')
    .on('integration_events_log')
    .columns(['module', 'dedup_key', 'id'])
    .where(sql.ref('dedup_key'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_record_idx').execute();
  await db.schema
    .createIndex('events_record_idx')
    .on('integration_events_log')
    .columns(['module', 'record_id', 'id'])
    .execute();
  await db.schema.dropIndex('events_dedup_idx').execute();
  await db.schema
    .createIndex('events_dedup_idx')
    .on('integration_events_log')
    .columns(['module', 'dedup_key', 'id'])
    .execute();
  await db.schema.dropIndex('events_duplicate_of_idx').execute();
  await db.schema
    .createIndex('events_duplicate_of_idx')
    .on('integration_events_log')
    .column('duplicate_of')
    .execute();
  await db.schema
    .createIndex('events_event_type_idx')
    .on('integration_events_log')
    .columns(['event_type', 'id'])
    .execute();
}
