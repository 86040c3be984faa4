import { type Kysely, sql } from 'kysely';
import { isPostgres } from './is-postgres.js';

// The event log indexes each module's search keys in two generic columns instead of the students' own
// (`academic_email`, `student_id_number`): a module declares which of its keys goes in which column. Renaming
// keeps the values where they are, so the change costs no rewrite of a large log; the second column widens to
// the first's length (PostgreSQL changes only the catalogue; SQLite does not enforce lengths).
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_academic_email_idx').execute();
  await db.schema.dropIndex('events_student_id_number_idx').execute();
  await db.schema
    .alterTable('integration_events_log')
    .renameColumn('academic_email', 'search_key_1')
    .execute();
  await db.schema
    .alterTable('integration_events_log')
    .renameColumn('student_id_number', 'search_key_2')
    .execute();
  if (isPostgres(db)) {
    await sql`ALTER TABLE integration_events_log ALTER COLUMN search_key_2 TYPE varchar(320)`.execute(db);
  }
  await db.schema
    .createIndex('events_search_key_1_idx')
    .on('integration_events_log')
    .columns(['search_key_1', 'id'])
    .execute();
  await db.schema
    .createIndex('events_search_key_2_idx')
    .on('integration_events_log')
    .columns(['search_key_2', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_search_key_1_idx').execute();
  await db.schema.dropIndex('events_search_key_2_idx').execute();
  await db.schema
    .alterTable('integration_events_log')
    .renameColumn('search_key_1', 'academic_email')
    .execute();
  await db.schema
    .alterTable('integration_events_log')
    .renameColumn('search_key_2', 'student_id_number')
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
}
