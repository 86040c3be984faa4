import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Clears the wait of claimed events whose dependencies are now processed (found so at a re-check rather than
 * woken): they leave the index of waiting events, and a later wait starts its limit anew.
 */
export async function stopWaiting(db: Kysely<Database>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('integration_events_log')
    .set({ waits_for: null, waiting_since: null })
    .where('id', 'in', ids)
    .execute();
}
