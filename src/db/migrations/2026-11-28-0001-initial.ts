import type { Kysely } from 'kysely';
import { isPostgres } from './is-postgres.js';

// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('integration_events_log')
    .addColumn('id', isPostgres(db) ? 'serial' : 'integer', (col) => col.primaryKey())
    .addColumn('event_id', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('source', 'varchar(32)', (col) => col.notNull())
    .addColumn('module', 'varchar(64)', (col) => col.notNull())
    .addColumn('event_type', 'varchar(16)', (col) => col.notNull())
    .addColumn('record_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('error_message', 'text')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('processed_at', 'varchar(32)')
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('raw_body', 'text')
    .addColumn('content_type', 'varchar(255)')
    .addColumn('headers', 'text')
    .addColumn('dedup_key', 'varchar(255)')
    .addColumn('content_hash', 'varchar(64)', (col) => col.notNull())
    .addColumn('duplicate_of', 'varchar(64)')
    .addColumn('warnings', 'text')
    .addColumn('result', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (col) => col.notNull())
    .addColumn('next_attempt_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('locked_by', 'varchar(128)')
    .addColumn('locked_until', 'varchar(32)')
    .execute();

  // Claiming: pending events in arrival order (retries not yet due are few and filtered).
  await db.schema
    .createIndex('events_status_id_idx')
    .on('integration_events_log')
    .columns(['status', 'id'])
    .execute();
  // Per-record order and "latest event of this record" (dedup, operation inference).
  await db.schema
    .createIndex('events_record_idx')
    .on('integration_events_log')
    .columns(['module', 'record_id', 'id'])
    .execute();
  await db.schema
    .createIndex('events_dedup_key_idx')
    .on('integration_events_log')
    .column('dedup_key')
    .execute();
  await db.schema
    .createIndex('events_created_at_idx')
    .on('integration_events_log')
    .column('created_at')
    .execute();

  await db.schema
    .createTable('event_attempts')
    .addColumn('id', isPostgres(db) ? 'serial' : 'integer', (col) => col.primaryKey())
    .addColumn('event_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('started_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('finished_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('outcome', 'varchar(16)', (col) => col.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('worker_id', 'varchar(128)', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('event_attempts_event_idx')
    .on('event_attempts')
    .columns(['event_id', 'id'])
    .execute();

  await db.schema
    .createTable('students')
    .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('student_id_number', 'varchar(128)')
    .addColumn('academic_email', 'varchar(320)')
    .addColumn('name', 'text')
    .addColumn('phone', 'varchar(64)')
    .addColumn('moodle_user_id', 'varchar(32)')
    .addColumn('date_of_birth', 'varchar(32)')
    .addColumn('gender', 'varchar(64)')
    .addColumn('address', 'text')
    .addColumn('city', 'varchar(255)')
    .addColumn('country', 'varchar(255)')
    .addColumn('postal_code', 'varchar(64)')
    .addColumn('emergency_contact_name', 'text')
    .addColumn('emergency_contact_phone', 'varchar(64)')
    .addColumn('student_status', 'varchar(64)')
    .addColumn('zoho_modified_time', 'varchar(64)')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('last_event_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('students_student_id_number_idx')
    .on('students')
    .column('student_id_number')
    .execute();
  await db.schema
    .createIndex('students_academic_email_idx')
    .on('students')
    .column('academic_email')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('students').execute();
  await db.schema.dropTable('event_attempts').execute();
  await db.schema.dropTable('integration_events_log').execute();
}
