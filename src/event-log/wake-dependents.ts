import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Makes the events that wait for these records (`<Zoho module>:<record id>`) due now, so they look again at
 * once rather than at their next re-check. Looks before it writes: most batches wake nothing, and a read costs
 * no commit. Returns how many were woken.
 */
export async function wakeDependents(
  db: Kysely<Database>,
  records: readonly string[],
  now: Date,
): Promise<number> {
  if (records.length === 0) return 0;
  const waiting = await db
    .selectFrom('integration_events_log')
    .select('id')
    .where('waits_for', 'in', records)
    .where('status', '=', 'pending')
    .limit(1)
    .executeTakeFirst();
  if (!waiting) return 0;
  const at = now.toISOString();
  const result = await db
    .updateTable('integration_events_log')
    .set({ next_attempt_at: at, updated_at: at, waits_for: null })
    .where('waits_for', 'in', records)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
