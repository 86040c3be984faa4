import { type Kysely, sql } from 'kysely';
import { isPostgres } from './is-postgres.js';

// With ZOHO_FETCH_RECORDS the worker reads each record from Zoho before processing it: the event keeps what it
// read (`fetched`, JSON text) and when, next to the webhook's own data. Moodle ids go back to Zoho through an
// outbox, `zoho_write_backs`, filled in the transaction that completes the event and sent by the worker on
// its own schedule, so that a failed write is retried without provisioning again. Rows are claimed with a lease,
// as events are, so that two workers never send the same write.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integration_events_log').addColumn('fetched', 'text').execute();
  await db.schema.alterTable('integration_events_log').addColumn('fetched_at', 'varchar(32)').execute();

  await db.schema
    .createTable('zoho_write_backs')
    .addColumn('id', isPostgres(db) ? 'serial' : 'integer', (col) => col.primaryKey())
    .addColumn('event_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('module', 'varchar(64)', (col) => col.notNull())
    .addColumn('record_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('fields', 'text', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('locked_by', 'varchar(128)')
    .addColumn('locked_until', 'varchar(32)')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('written_at', 'varchar(32)')
    .execute();
  // Sending: due rows in order. Only unfinished rows are indexed: written ones pile up.
  await db.schema
    .createIndex('zoho_write_backs_due_idx')
    .on('zoho_write_backs')
    .columns(['status', 'next_attempt_at', 'id'])
    .where(sql.ref('status'), 'in', ['pending', 'sending'])
    .execute();
  // The last write of a record (what Zoho holds) and the rows an event queued.
  await db.schema
    .createIndex('zoho_write_backs_record_idx')
    .on('zoho_write_backs')
    .columns(['module', 'record_id', 'id'])
    .execute();
  await db.schema
    .createIndex('zoho_write_backs_event_idx')
    .on('zoho_write_backs')
    .column('event_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('zoho_write_backs').execute();
  await db.schema.alterTable('integration_events_log').dropColumn('fetched_at').execute();
  await db.schema.alterTable('integration_events_log').dropColumn('fetched').execute();
}
