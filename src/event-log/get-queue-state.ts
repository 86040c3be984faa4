import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Counts of unfinished work, for health and the CLI. */
export async function getQueueState(
  db: Kysely<Database>,
): Promise<{ pending: number; processing: number; oldest_pending_at: string | null }> {
  const rows = await db
    .selectFrom('integration_events_log')
    .select([
      'status',
      (eb) => eb.fn.countAll<number | string>().as('n'),
      (eb) => eb.fn.min('created_at').as('oldest'),
    ])
    .where('status', 'in', ['pending', 'processing'])
    .groupBy('status')
    .execute();
  const pending = rows.find((r) => r.status === 'pending');
  const processing = rows.find((r) => r.status === 'processing');
  return {
    pending: Number(pending?.n ?? 0),
    processing: Number(processing?.n ?? 0),
    oldest_pending_at: (pending?.oldest as string | null | undefined) ?? null,
  };
}
