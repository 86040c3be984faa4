import type { Kysely, Updateable } from 'kysely';
import type { Database } from '../db/schema.js';
import { type WriteBacksTable, withWriteBacks } from './write-back-table.js';

/** How one claimed write-back ended this time: in Zoho, refused for good, to try again, or replaced. */
export type WriteBackEnd =
  | { status: 'written' }
  | { status: 'superseded' }
  | { status: 'failed' | 'pending'; code: string; message: string; nextAttemptAt?: string };

/** Records how a claimed write-back ended; only the worker holding its lease may. */
export async function finishWriteBack(
  db: Kysely<Database>,
  input: { id: number; workerId: string; now: string; end: WriteBackEnd },
): Promise<void> {
  const { end, now } = input;
  const set: Updateable<WriteBacksTable> = {
    status: end.status,
    updated_at: now,
    locked_by: null,
    locked_until: null,
  };
  if (end.status === 'written')
    Object.assign(set, { written_at: now, error_code: null, error_message: null });
  if (end.status === 'failed' || end.status === 'pending') {
    Object.assign(set, { error_code: end.code.slice(0, 64), error_message: end.message });
    if (end.nextAttemptAt) set.next_attempt_at = end.nextAttemptAt;
  }
  await withWriteBacks(db)
    .updateTable('zoho_write_backs')
    .set(set)
    .where('id', '=', input.id)
    .where('locked_by', '=', input.workerId)
    .execute();
}
