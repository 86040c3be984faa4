import type { Generated, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';

/** What became of a write-back: queued, being sent (leased), in Zoho, refused, or replaced by a later one. */
export type WriteBackStatus = 'pending' | 'sending' | 'written' | 'failed' | 'superseded';

/** `zoho_write_backs`: Moodle ids to write into Zoho records, queued when their event completed. */
export interface WriteBacksTable {
  id: Generated<number>;
  /** The event whose completion queued it. */
  event_id: string;
  /** The Zoho module's API name, as events name it. */
  module: string;
  record_id: string;
  /** JSON object: field API name to the value to write (text, or null to empty the field). */
  fields: string;
  status: WriteBackStatus;
  attempts: number;
  next_attempt_at: string;
  locked_by: string | null;
  locked_until: string | null;
  /** Zoho's code of the last failure (`INVALID_DATA`), or mzi's. */
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  written_at: string | null;
}

export type WriteBackRow = Selectable<WriteBacksTable>;

export type WriteBackDatabase = Database & { zoho_write_backs: WriteBacksTable };

/** The database with the write-back outbox, which the core schema does not name. */
export function withWriteBacks(db: Kysely<Database>): Kysely<WriteBackDatabase> {
  return db.withTables<{ zoho_write_backs: WriteBacksTable }>();
}
