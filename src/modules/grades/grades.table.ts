import type { Selectable } from 'kysely';

/**
 * `grades`: each student's grade in an assignment as mzi last sent it to Zoho's BTEC_Grades, keyed by
 * `{userid}_{courseid}_{assignid}` (the record's Moodle_Grade_Composite_Key).
 */
export interface GradesTable {
  grade_key: string;
  moodle_user_id: number;
  moodle_course_id: number;
  moodle_assignment_id: number;
  student_record_id: string;
  class_record_id: string;
  /** Moodle's attempt number (from 0) of the grade sent. */
  attempt: number;
  /** The grade Zoho got (`M`, `78.5`), or null after a removal. */
  grade: string | null;
  /** When the grade was last changed in Moodle (epoch seconds). */
  moodle_graded_at: number;
  /** The BTEC_Grades record, as Zoho's upsert named it. */
  zoho_record_id: string | null;
  /** 0 once the grade was removed in Moodle. */
  live: number;
  removed_at: string | null;
  last_event_id: string | null;
  created_at: string;
  updated_at: string;
}

/** `grade_poll_cursors`: per assignment, the grade time the next poll reads from (Moodle's `since`, inclusive). */
export interface GradePollCursorsTable {
  assignment_id: number;
  course_id: number;
  since: number;
  updated_at: string;
}

export type GradeRow = Selectable<GradesTable>;

/** The tables the grades module adds to the database. */
export type GradeTables = { grades: GradesTable; grade_poll_cursors: GradePollCursorsTable };
