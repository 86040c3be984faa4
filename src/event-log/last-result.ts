import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** What the latest completed event of a record did (its `result`, JSON text), if one completed. */
export async function lastResult(
  db: Kysely<Database>,
  record: { module: string; recordId: string },
): Promise<string | undefined> {
  const row = await db
    .selectFrom('integration_events_log')
    .select('result')
    .where('record_id', '=', record.recordId)
    .where('module', '=', record.module)
    .where('status', '=', 'completed')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.result ?? undefined;
}
