import type { Kysely } from 'kysely';

// The grades mirror and the poll's cursors (issue 20). Frozen in time: never edit a migration that has shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('grades')
    .addColumn('grade_key', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('moodle_user_id', 'integer', (col) => col.notNull())
    .addColumn('moodle_course_id', 'integer', (col) => col.notNull())
    .addColumn('moodle_assignment_id', 'integer', (col) => col.notNull())
    .addColumn('student_record_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('class_record_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('grade', 'varchar(255)')
    .addColumn('moodle_graded_at', 'bigint', (col) => col.notNull())
    .addColumn('zoho_record_id', 'varchar(128)')
    .addColumn('live', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('removed_at', 'varchar(32)')
    .addColumn('last_event_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('grades_assignment_idx').on('grades').column('moodle_assignment_id').execute();
  await db.schema.createIndex('grades_updated_idx').on('grades').column('updated_at').execute();
  await db.schema
    .createTable('grade_poll_cursors')
    .addColumn('assignment_id', 'integer', (col) => col.primaryKey())
    .addColumn('course_id', 'integer', (col) => col.notNull())
    .addColumn('since', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('grade_poll_cursors').execute();
  await db.schema.dropTable('grades').execute();
}
