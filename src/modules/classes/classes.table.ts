import type { Generated, Selectable } from 'kysely';

/** `classes`: local mirror of Zoho's BTEC_Classes, keyed by the Zoho record id, with the Moodle course it is. */
export interface ClassesTable {
  zoho_record_id: string;
  class_name: string | null;
  class_short_name: string | null;
  /** The program's Zoho record id (the BTEC_Program lookup). */
  btec_program: string | null;
  /** The teacher's Zoho record id (the Teacher lookup). */
  teacher: string | null;
  class_status: string | null;
  start_date: string | null;
  end_date: string | null;
  /** The Moodle_Class_ID field as Zoho holds it, or null. */
  moodle_class_id: string | null;
  /** The class's Moodle course: its link (`moodleLinks`). */
  moodle_course_id: number | null;
  /** How mzi came to the course: `created`, `adopted` (Moodle_Class_ID, empty idnumber) or `linked` (idnumber). */
  course_ownership: string | null;
  /** 1 when mzi hid the course (class deleted or ended), so that only mzi's own hiding is undone. */
  hidden_by_mzi: Generated<number>;
  /** The Moodle user enrolled as the class's teacher in that course, as far as mzi knows. */
  teacher_user_id: number | null;
  /** 1 when mzi enrolled that teacher (and so may unenrol them when the teacher changes). */
  teacher_enrolled_by_mzi: Generated<number>;
  zoho_modified_time: string | null;
  deleted_at: string | null;
  last_event_id: string | null;
  created_at: string;
  updated_at: string;
}

export type ClassRow = Selectable<ClassesTable>;

/** The tables the classes module adds to the database. */
export type ClassTables = { classes: ClassesTable };
