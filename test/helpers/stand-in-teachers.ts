import { type Kysely, sql } from 'kysely';
import type { ZohoModule } from '../../src/modules/zoho-module.js';

/**
 * A teachers module reduced to what a class needs of it: a teacher record linked to the Moodle user its
 * `Teacher_Moodle_ID` names. Tests of classes use it so that they do not depend on how teachers are provisioned.
 */
export const standInTeachers: ZohoModule = {
  name: 'teacher',
  zohoApiName: 'BTEC_Teachers',
  fields: [
    { apiName: 'Name', label: 'Name', personal: true, maxLength: 255 },
    { apiName: 'Teacher_Moodle_ID', label: 'Teacher Moodle ID', personal: false, maxLength: 32 },
  ],
  migrations: {
    '2099-01-01-0001-stand-in-teachers': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('stand_in_teachers')
          .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
          .addColumn('moodle_user_id', 'integer')
          .addColumn('deleted_at', 'varchar(32)')
          .execute();
      },
    },
  },
  moodleFunctions: [],
  testDelivery: { fields: [], hint: { field: 'Name', example: 'x' } },
  searchKeys: [],
  async knownRecords(db, recordIds) {
    if (recordIds.length === 0) return new Map();
    const rows = await sql<{ zoho_record_id: string; deleted_at: string | null }>`
      SELECT zoho_record_id, deleted_at FROM stand_in_teachers
      WHERE zoho_record_id IN (${sql.join([...recordIds])})`.execute(db);
    return new Map(rows.rows.map((row) => [row.zoho_record_id, row.deleted_at === null]));
  },
  async moodleLinks(db, recordIds) {
    if (recordIds.length === 0) return new Map();
    const rows = await sql<{
      zoho_record_id: string;
      moodle_user_id: number | null;
      deleted_at: string | null;
    }>`
      SELECT zoho_record_id, moodle_user_id, deleted_at FROM stand_in_teachers
      WHERE zoho_record_id IN (${sql.join([...recordIds])}) AND moodle_user_id IS NOT NULL`.execute(db);
    return new Map(
      rows.rows.map((row) => [
        row.zoho_record_id,
        { moodleId: Number(row.moodle_user_id), live: row.deleted_at === null },
      ]),
    );
  },
  createHandler: () => async (event) => {
    const { data } = JSON.parse(event.payload) as { data: Record<string, string | null> };
    const userId = data.Teacher_Moodle_ID ? Number(data.Teacher_Moodle_ID) : null;
    const deletedAt = event.event_type === 'delete' ? new Date().toISOString() : null;
    return {
      result: { teacher: event.record_id, user_id: userId },
      apply: async (trx) => {
        await sql`
          INSERT INTO stand_in_teachers (zoho_record_id, moodle_user_id, deleted_at)
          VALUES (${event.record_id}, ${userId}, ${deletedAt})
          ON CONFLICT (zoho_record_id) DO UPDATE
          SET moodle_user_id = excluded.moodle_user_id, deleted_at = excluded.deleted_at`.execute(trx);
      },
    };
  },
};
