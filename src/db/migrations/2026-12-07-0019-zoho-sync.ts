import type { Kysely } from 'kysely';

// Catching up with Zoho (`mzi sync`, and the same every ZOHO_SYNC_INTERVAL): one row per module keeps where the
// last sync stopped, so that a restart or a crash resumes from its last committed page, and the lease that lets
// one process at a time sync a module. Zoho's list of failed webhook deliveries is kept too, so that every
// process's health and dashboard show what the syncing process read.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('zoho_sync_state')
    .addColumn('module', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('cursor', 'varchar(64)')
    .addColumn('deleted_cursor', 'varchar(64)')
    .addColumn('run_started_at', 'varchar(32)')
    .addColumn('run_since', 'varchar(64)')
    .addColumn('page_token', 'varchar(1024)')
    .addColumn('last_record_id', 'varchar(128)')
    .addColumn('pages', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_success_at', 'varchar(32)')
    .addColumn('last_summary', 'text')
    .addColumn('last_error', 'varchar(1024)')
    .addColumn('last_error_at', 'varchar(32)')
    .addColumn('inserted_total', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('updated_total', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('deleted_total', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(128)')
    .addColumn('lease_until', 'varchar(32)')
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('zoho_webhook_failures')
    .addColumn('id', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('webhook_name', 'varchar(255)', (col) => col.notNull())
    .addColumn('module', 'varchar(128)')
    .addColumn('record_id', 'varchar(128)')
    .addColumn('failed_at', 'varchar(64)', (col) => col.notNull())
    .addColumn('reason', 'varchar(1024)', (col) => col.notNull())
    .addColumn('read_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('zoho_webhook_failures_failed_at_idx')
    .on('zoho_webhook_failures')
    .column('failed_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('zoho_webhook_failures').execute();
  await db.schema.dropTable('zoho_sync_state').execute();
}
