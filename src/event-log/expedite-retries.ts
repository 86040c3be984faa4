import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Makes waiting retries due now, for events whose last error has one of these codes (e.g. Moodle was
 * unreachable and answers again). Returns how many.
 */
export async function expediteRetries(
  db: Kysely<Database>,
  errorCodes: readonly string[],
  now: Date = new Date(),
): Promise<number> {
  const result = await db
    .updateTable('integration_events_log')
    .set({ next_attempt_at: now.toISOString(), updated_at: now.toISOString() })
    .where('status', '=', 'pending')
    .where('error_code', 'in', errorCodes)
    .where('next_attempt_at', '>', now.toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
