import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Timestamps are ISO-8601 UTC strings (`2026-11-28T10:00:00.000Z`) on every dialect: they sort and compare as text. */
export type Timestamp = string;

export type EventStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'duplicate';
export const EVENT_STATUSES: readonly EventStatus[] = [
  'pending',
  'processing',
  'completed',
  'failed',
  'duplicate',
];

/** `integration_events_log`: every delivery, as received and as processed (DESIGN.md §1, §3). */
export interface EventsTable {
  id: Generated<number>;
  event_id: string;
  source: string;
  module: string;
  /** Normalized operation: insert | update | delete; `invalid` when the sender named an operation we do not know. */
  event_type: string;
  record_id: string;
  status: EventStatus;
  error_message: string | null;
  /** Stable machine-readable reason of the last failure (e.g. `validation.academic_email_missing`). */
  error_code: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  processed_at: Timestamp | null;
  /** Normalized payload (JSON text): operation, data, source meta. */
  payload: string;
  raw_body: string | null;
  content_type: string | null;
  /** Request headers with credentials redacted (JSON text). */
  headers: string | null;
  /**
   * The re-delivery key: the sender's delivery id (notification_id or webhook-id header) when it gave one; for
   * a record of an envelope, that id and the record id together.
   */
  dedup_key: string | null;
  /**
   * The delivery the event came from: the sender's delivery id, or the one mzi gave an envelope that had none
   * (shared by all its records); NULL for a single delivery without a delivery id.
   */
  delivery_id: string | null;
  /** Hash of record + operation + content, for re-delivery detection without a delivery id. */
  content_hash: string;
  duplicate_of: string | null;
  /** JSON array of strings: unresolved placeholders, inferred operation, ignored fields. */
  warnings: string | null;
  /** JSON object: what processing did (local mirror, Moodle action). */
  result: string | null;
  /**
   * JSON object `{ data, write_back }`: the record as the worker read it from Zoho (ZOHO_FETCH_RECORDS), in the
   * module's fields as intake reads them, and the values Zoho held in the module's write-back fields.
   */
  fetched: string | null;
  fetched_at: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  next_attempt_at: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  /** The request as received (query secrets redacted) and how it was authenticated: hmac | token | none. */
  request_method: string | null;
  request_url: string | null;
  auth_method: string | null;
  received_at: Timestamp | null;
  /** Milliseconds from receiving the request to writing the event (the commit follows at once). */
  stored_ms: number | null;
  /** The answer mzi gave the sender. */
  response_status: number | null;
  response_body: string | null;
  /** The record's search keys, in the columns its module declares (`ZohoModule.searchKeys`), as it stores them. */
  search_key_1: string | null;
  search_key_2: string | null;
  /** While the event waits for a record of another module: that record, `<Zoho module>:<record id>`. */
  waits_for: string | null;
  /** When the event started waiting for other modules' records (the wait is bounded from then). */
  waiting_since: Timestamp | null;
}

/** `event_attempts`: one row per processing attempt, for the operator's timeline. */
export interface EventAttemptsTable {
  id: Generated<number>;
  event_id: string;
  attempt: number;
  started_at: Timestamp;
  finished_at: Timestamp;
  /** completed | failed | retry */
  outcome: string;
  error_code: string | null;
  error_message: string | null;
  worker_id: string;
}

/** `students`: local mirror of Zoho's BTEC_Students, keyed by the Zoho record id (DESIGN.md §4). */
export interface StudentsTable {
  zoho_record_id: string;
  student_id_number: string | null;
  academic_email: string | null;
  name: string | null;
  phone: string | null;
  moodle_user_id: string | null;
  /** How mzi owns the Moodle account: created, adopted or linked; NULL when none or not verified yet. */
  moodle_ownership: string | null;
  date_of_birth: string | null;
  gender: string | null;
  address: string | null;
  city: string | null;
  country: string | null;
  postal_code: string | null;
  emergency_contact_name: string | null;
  emergency_contact_phone: string | null;
  student_status: string | null;
  zoho_modified_time: string | null;
  deleted_at: Timestamp | null;
  last_event_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** `event_counts`: events per (status, source, module), kept by triggers (stats without counting). */
export interface EventCountsTable {
  status: string;
  source: string;
  module: string;
  n: number;
}

/** `event_count_deltas`: PostgreSQL's pending +1/-1 changes to `event_counts`, folded in by workers. */
export interface EventCountDeltasTable {
  status: string;
  source: string;
  module: string;
  d: number;
}

/** `admin_sessions`: signed-in dashboard sessions; a row is deleted on logout or once expired. */
export interface AdminSessionsTable {
  /** HMAC-SHA256 (hex) of the cookie's random session id, keyed from the admin token. */
  id_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface Database {
  integration_events_log: EventsTable;
  event_counts: EventCountsTable;
  event_count_deltas: EventCountDeltasTable;
  event_attempts: EventAttemptsTable;
  students: StudentsTable;
  admin_sessions: AdminSessionsTable;
}

export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
export type EventUpdate = Updateable<EventsTable>;
export type StudentRow = Selectable<StudentsTable>;
export type NewStudentRow = Insertable<StudentsTable>;
export type EventAttemptRow = Selectable<EventAttemptsTable>;

/**
 * What a claim returns of each event: the columns the worker and the handlers read. The request as received (raw
 * body, headers, the answer given) stays in the database: returning and copying it for every claimed event cost
 * time while the claim holds SQLite's write lock.
 */
export const CLAIMED_EVENT_COLUMNS = [
  'id',
  'event_id',
  'module',
  'event_type',
  'record_id',
  'payload',
  'attempts',
  'max_attempts',
  'warnings',
  'next_attempt_at',
] as const;

export type ClaimedEvent = Pick<EventRow, (typeof CLAIMED_EVENT_COLUMNS)[number]>;
