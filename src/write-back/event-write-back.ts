import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../db/schema.js';
import { withWriteBacks } from './write-back-table.js';

/** How an event's write-back of Moodle ids into Zoho went, as the dashboard, CLI and admin API show it. */
export interface EventWriteBack {
  /**
   * `pending`: queued or being sent; `written`: in Zoho; `unchanged`: Zoho held these values already;
   * `failed`: Zoho refused it, or it kept failing (see error); `superseded`: a later event's write replaced it.
   */
  status: 'pending' | 'written' | 'unchanged' | 'failed' | 'superseded';
  /** The fields and values mzi wrote, or found already there (unchanged). */
  fields: Record<string, string | null>;
  attempts: number;
  next_attempt_at: string | null;
  written_at: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** An event's write-back, or null when it queued none (no Zoho connection, no Moodle id, a delete). */
export async function eventWriteBack(
  db: Kysely<Database>,
  event: Pick<EventRow, 'event_id' | 'result'>,
): Promise<EventWriteBack | null> {
  const row = await withWriteBacks(db)
    .selectFrom('zoho_write_backs')
    .selectAll()
    .where('event_id', '=', event.event_id)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (row) {
    return {
      status: row.status === 'sending' ? 'pending' : row.status,
      fields: JSON.parse(row.fields) as Record<string, string | null>,
      attempts: row.attempts,
      next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null,
      written_at: row.written_at,
      error_code: row.error_code,
      error_message: row.error_message,
    };
  }
  const summary = completedSummary(event.result);
  if (summary?.status !== 'unchanged') return null;
  return {
    status: 'unchanged',
    fields: summary.fields ?? {},
    attempts: 0,
    next_attempt_at: null,
    written_at: null,
    error_code: null,
    error_message: null,
  };
}

function completedSummary(
  result: string | null,
): { status?: string; fields?: Record<string, string | null> } | undefined {
  if (result === null) return undefined;
  try {
    return (JSON.parse(result) as { zoho_write_back?: { status?: string } }).zoho_write_back;
  } catch {
    return undefined;
  }
}
