import type { Kysely } from 'kysely';

// The programs mirror (issue 17): Zoho's Products and the Moodle course category each resolved to.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('programs')
    .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('product_name', 'varchar(255)')
    .addColumn('moodle_id', 'varchar(32)')
    .addColumn('moodle_category_id', 'integer')
    .addColumn('category_source', 'varchar(16)')
    .addColumn('zoho_modified_time', 'varchar(64)')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('last_event_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('programs_updated_idx').on('programs').column('updated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('programs').execute();
}
