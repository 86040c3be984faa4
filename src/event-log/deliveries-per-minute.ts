import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Deliveries per minute since `since` (ISO), for the overview chart. */
export async function deliveriesPerMinute(
  db: Kysely<Database>,
  since: string,
): Promise<Array<{ minute: string; n: number }>> {
  const rows = await db
    .selectFrom('integration_events_log')
    .select((eb) => [
      eb.fn<string>('substr', ['created_at', eb.val(1), eb.val(16)]).as('minute'),
      eb.fn.countAll<number | string>().as('n'),
    ])
    .where('created_at', '>=', since)
    .groupBy('minute')
    .orderBy('minute')
    .execute();
  return rows.map((row) => ({ minute: row.minute, n: Number(row.n) }));
}
