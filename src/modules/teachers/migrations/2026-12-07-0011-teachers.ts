import type { Kysely } from 'kysely';

// The local mirror of Zoho's BTEC_Teachers (issue 17). Frozen in time: never edit a migration that has
// shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('teachers')
    .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('name', 'text')
    .addColumn('academic_email', 'varchar(320)')
    .addColumn('email', 'varchar(320)')
    .addColumn('phone_number', 'varchar(64)')
    .addColumn('teacher_moodle_id', 'varchar(32)')
    .addColumn('moodle_user_id', 'varchar(32)')
    .addColumn('moodle_ownership', 'varchar(16)')
    .addColumn('moodle_suspended_at', 'varchar(32)')
    .addColumn('zoho_modified_time', 'varchar(64)')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('last_event_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  // Every account takeover asks which live teacher holds a Moodle user; operators look teachers up by email.
  await db.schema
    .createIndex('teachers_moodle_user_id_idx')
    .on('teachers')
    .column('moodle_user_id')
    .execute();
  await db.schema
    .createIndex('teachers_academic_email_idx')
    .on('teachers')
    .column('academic_email')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('teachers').execute();
}
