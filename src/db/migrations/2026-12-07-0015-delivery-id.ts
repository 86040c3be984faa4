import { type Kysely, sql } from 'kysely';

// One delivery can now carry many records (Zoho's `{"data": […]}` envelope, issue 18), each stored as its own
// event: `delivery_id` says which delivery an event came from (the sender's delivery id, or the one mzi gives
// an envelope without one), so operators can list an envelope's events together. A single delivery without a
// delivery id leaves it empty, and the index holds only the rows that have one.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integration_events_log').addColumn('delivery_id', 'varchar(255)').execute();
  await db.schema
    .createIndex('events_delivery_id_idx')
    .on('integration_events_log')
    .columns(['delivery_id', 'id'])
    .where(sql.ref('delivery_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_delivery_id_idx').execute();
  await db.schema.alterTable('integration_events_log').dropColumn('delivery_id').execute();
}
