import type { Kysely } from 'kysely';

// The enrollments mirror (issue 17): each BTEC_Enrollments record with its student and class record ids, and the
// Moodle enrolment mzi made for it (user, course, role, times as sent, and its state). Indexed by student and by
// class for `mzi students show` / `mzi classes show`, and by Moodle user and course to find enrollments that share
// one Moodle enrolment. Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('enrollments')
    .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('student_record_id', 'varchar(128)')
    .addColumn('class_record_id', 'varchar(128)')
    .addColumn('start_date', 'varchar(64)')
    .addColumn('end_date', 'varchar(64)')
    .addColumn('enrollment_status', 'varchar(64)')
    .addColumn('enrollment_type', 'varchar(64)')
    .addColumn('zoho_modified_time', 'varchar(64)')
    .addColumn('moodle_user_id', 'integer')
    .addColumn('moodle_course_id', 'integer')
    .addColumn('moodle_role_id', 'integer')
    .addColumn('moodle_timestart', 'bigint')
    .addColumn('moodle_timeend', 'bigint')
    .addColumn('moodle_state', 'varchar(16)')
    .addColumn('moodle_synced_at', 'varchar(32)')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('last_event_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('enrollments_student_record_id_idx')
    .on('enrollments')
    .column('student_record_id')
    .execute();
  await db.schema
    .createIndex('enrollments_class_record_id_idx')
    .on('enrollments')
    .column('class_record_id')
    .execute();
  await db.schema
    .createIndex('enrollments_moodle_pair_idx')
    .on('enrollments')
    .columns(['moodle_course_id', 'moodle_user_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('enrollments').execute();
}
