import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, NewEventRow } from '../db/schema.js';
import { appendEvents } from './append-events.js';
import { searchKeyColumns } from './search-key-columns.js';

/**
 * Appends a realistic event row in a transaction that is rolled back: proves that the log has room again, and
 * leaves nothing behind. Resolves when the row could be written; rejects with the database's error otherwise.
 */
export async function probeAppend(db: Kysely<Database>, now: Date): Promise<void> {
  const rollback = new Error('probe rollback');
  try {
    await db.transaction().execute(async (trx) => {
      await appendEvents(trx, [probeRow(now.toISOString())]);
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
}

function probeRow(at: string): NewEventRow {
  return {
    event_id: `probe-${randomUUID()}`,
    source: 'mzi',
    module: 'mzi.probe',
    event_type: 'probe',
    record_id: 'probe',
    status: 'duplicate',
    error_message: null,
    error_code: null,
    created_at: at,
    updated_at: at,
    processed_at: at,
    payload: '{}',
    raw_body: 'x'.repeat(4096),
    content_type: null,
    headers: null,
    dedup_key: null,
    content_hash: 'probe',
    duplicate_of: null,
    warnings: null,
    result: null,
    attempts: 0,
    max_attempts: 0,
    next_attempt_at: at,
    locked_by: null,
    locked_until: null,
    request_method: null,
    request_url: null,
    auth_method: null,
    received_at: null,
    stored_ms: null,
    response_status: null,
    response_body: null,
    ...searchKeyColumns([], {}),
  };
}
