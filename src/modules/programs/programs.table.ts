import type { Selectable } from 'kysely';

/** `programs`: local mirror of Zoho's Products (the school's programs), keyed by the Zoho record id. */
export interface ProgramsTable {
  zoho_record_id: string;
  product_name: string | null;
  /** The MoodleID field as Zoho holds it (a course category id the school chose), or null. */
  moodle_id: string | null;
  /** The Moodle course category the program resolved to: its link (`moodleLinks`). */
  moodle_category_id: number | null;
  /** How it was found: `given` (MoodleID), `idnumber`, `created` by mzi, or `default` (MOODLE_DEFAULT_CATEGORY_ID). */
  category_source: string | null;
  zoho_modified_time: string | null;
  deleted_at: string | null;
  last_event_id: string | null;
  created_at: string;
  updated_at: string;
}

export type ProgramRow = Selectable<ProgramsTable>;

/** The tables the programs module adds to the database. */
export type ProgramTables = { programs: ProgramsTable };
