import type { Kysely } from 'kysely';

// What the operator dashboard shows of each delivery (issue 5): the request line, when it arrived and how long
// it took to be stored, the answer mzi gave, how it was authenticated, and the student it names (searchable).
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integration_events_log').addColumn('request_method', 'varchar(16)').execute();
  await db.schema.alterTable('integration_events_log').addColumn('request_url', 'text').execute();
  await db.schema.alterTable('integration_events_log').addColumn('auth_method', 'varchar(16)').execute();
  await db.schema.alterTable('integration_events_log').addColumn('received_at', 'varchar(32)').execute();
  await db.schema.alterTable('integration_events_log').addColumn('stored_ms', 'real').execute();
  await db.schema.alterTable('integration_events_log').addColumn('response_status', 'integer').execute();
  await db.schema.alterTable('integration_events_log').addColumn('response_body', 'text').execute();
  await db.schema.alterTable('integration_events_log').addColumn('academic_email', 'varchar(320)').execute();
  await db.schema
    .alterTable('integration_events_log')
    .addColumn('student_id_number', 'varchar(128)')
    .execute();
  await db.schema
    .createIndex('events_academic_email_idx')
    .on('integration_events_log')
    .columns(['academic_email', 'id'])
    .execute();
  await db.schema
    .createIndex('events_student_id_number_idx')
    .on('integration_events_log')
    .columns(['student_id_number', 'id'])
    .execute();
  await db.schema
    .createIndex('events_event_type_idx')
    .on('integration_events_log')
    .columns(['event_type', 'id'])
    .execute();
  await db.schema
    .createIndex('events_module_id_idx')
    .on('integration_events_log')
    .columns(['module', 'id'])
    .execute();
  await db.schema
    .createIndex('events_duplicate_of_idx')
    .on('integration_events_log')
    .column('duplicate_of')
    .execute();
  await db.schema.createIndex('students_name_idx').on('students').column('name').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'events_academic_email_idx',
    'events_student_id_number_idx',
    'events_event_type_idx',
    'events_module_id_idx',
    'events_duplicate_of_idx',
    'students_name_idx',
  ]) {
    await db.schema.dropIndex(index).execute();
  }
  for (const column of [
    'request_method',
    'request_url',
    'auth_method',
    'received_at',
    'stored_ms',
    'response_status',
    'response_body',
    'academic_email',
    'student_id_number',
  ]) {
    await db.schema.alterTable('integration_events_log').dropColumn(column).execute();
  }
}
