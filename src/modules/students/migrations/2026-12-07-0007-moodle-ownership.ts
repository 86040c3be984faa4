import type { Kysely } from 'kysely';

// How mzi came to own a student's Moodle account (issue 15): `created`, `adopted` (an unlinked account found by
// email or username) or `linked` (an account that already carried the student's Student_ID_Number as idnumber).
// Rows from before this column stay NULL, "not verified": their account is checked again, as if found anew, on
// the student's next event, because earlier versions adopted accounts without checking whose they were.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('students').addColumn('moodle_ownership', 'varchar(16)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('students').dropColumn('moodle_ownership').execute();
}
