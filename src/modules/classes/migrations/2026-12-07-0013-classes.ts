import type { Kysely } from 'kysely';

// The classes mirror (issue 17): Zoho's BTEC_Classes, the Moodle course of each and its teacher's enrolment.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('classes')
    .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('class_name', 'varchar(254)')
    .addColumn('class_short_name', 'varchar(255)')
    .addColumn('btec_program', 'varchar(128)')
    .addColumn('teacher', 'varchar(128)')
    .addColumn('class_status', 'varchar(64)')
    .addColumn('start_date', 'varchar(32)')
    .addColumn('end_date', 'varchar(32)')
    .addColumn('moodle_class_id', 'varchar(32)')
    .addColumn('moodle_course_id', 'integer')
    .addColumn('course_ownership', 'varchar(16)')
    .addColumn('hidden_by_mzi', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('teacher_user_id', 'integer')
    .addColumn('teacher_enrolled_by_mzi', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('zoho_modified_time', 'varchar(64)')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('last_event_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('classes_short_name_idx').on('classes').column('class_short_name').execute();
  await db.schema.createIndex('classes_course_idx').on('classes').column('moodle_course_id').execute();
  await db.schema.createIndex('classes_updated_idx').on('classes').column('updated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('classes').execute();
}
