import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/schema.js';

/** `teachers`: local mirror of Zoho's BTEC_Teachers, keyed by the Zoho record id. */
export interface TeachersTable {
  zoho_record_id: string;
  name: string | null;
  academic_email: string | null;
  email: string | null;
  phone_number: string | null;
  /** Teacher_Moodle_ID as Zoho last sent it; the verified link is moodle_user_id. */
  teacher_moodle_id: string | null;
  /** The teacher's Moodle user, once mzi created, adopted or linked it. */
  moodle_user_id: string | null;
  /** How mzi owns that account: created, adopted or linked. */
  moodle_ownership: string | null;
  /**
   * When mzi suspended the account because the teacher was deleted in Zoho (MOODLE_ON_TEACHER_DELETE=suspend);
   * a restored teacher's account is reactivated only then, never one suspended by hand in Moodle.
   */
  moodle_suspended_at: string | null;
  zoho_modified_time: string | null;
  deleted_at: string | null;
  last_event_id: string | null;
  created_at: string;
  updated_at: string;
}

export type TeacherRow = Selectable<TeachersTable>;
export type NewTeacherRow = Insertable<TeachersTable>;

/** The database with the teachers' table, which the core schema does not name (DESIGN.md §9). */
export function withTeachers(db: Kysely<Database>): Kysely<Database & { teachers: TeachersTable }> {
  return db.withTables<{ teachers: TeachersTable }>();
}
