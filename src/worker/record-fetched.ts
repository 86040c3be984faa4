import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { FetchedRecord } from './fetch-records.js';

/** Keeps on the event the record the worker read from Zoho for it, next to the webhook's own data. */
export async function recordFetched(
  trx: Kysely<Database>,
  input: { id: number; fetched: FetchedRecord; at: string },
): Promise<void> {
  await trx
    .updateTable('integration_events_log')
    .set({ fetched: JSON.stringify(input.fetched), fetched_at: input.at })
    .where('id', '=', input.id)
    .execute();
}
