import { type Kysely, sql } from 'kysely';

// An event whose module waits for records of other modules (`ZohoModule.waitsFor`) goes back to pending while
// they are unprocessed: `waits_for` names the record it waits for (`<Zoho module>:<record id>`), so completing
// that record's event wakes it with one indexed update, and `waiting_since` bounds the wait. Few events wait at
// any time: the index holds only those rows.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integration_events_log').addColumn('waits_for', 'varchar(200)').execute();
  await db.schema.alterTable('integration_events_log').addColumn('waiting_since', 'varchar(32)').execute();
  await db.schema
    .createIndex('events_waits_for_idx')
    .on('integration_events_log')
    .column('waits_for')
    .where(sql.ref('waits_for'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_waits_for_idx').execute();
  await db.schema.alterTable('integration_events_log').dropColumn('waiting_since').execute();
  await db.schema.alterTable('integration_events_log').dropColumn('waits_for').execute();
}
