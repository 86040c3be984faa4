import type { Kysely } from 'kysely';
import { dialectAdapter } from '../db/dialect-adapter.js';
import type { Database, EventStatus } from '../db/schema.js';

export interface PurgeOptions {
  /** Events created before this moment go. */
  before: Date;
  /** Only these statuses; retention purges completed and duplicate events, never pending or processing. */
  statuses: readonly EventStatus[];
  batchSize?: number;
  /** Stop after this many batches (retention spreads a large backlog over several runs). */
  maxBatches?: number;
}

/**
 * Deletes old events (raw bodies, headers and attempt history with them) in small batches, so that neither
 * a database lock nor a transaction grows with the size of the backlog. Returns how many were deleted.
 */
export async function purgeEvents(db: Kysely<Database>, options: PurgeOptions): Promise<number> {
  const statuses = options.statuses.filter((status) => status !== 'pending' && status !== 'processing');
  if (statuses.length === 0) return 0;
  const batchSize = options.batchSize ?? 500;
  const cutoff = options.before.toISOString();
  let total = 0;
  for (let batch = 0; batch < (options.maxBatches ?? Number.POSITIVE_INFINITY); batch += 1) {
    const deleted = await db.transaction().execute(async (trx) => {
      const rows = await dialectAdapter(trx)
        .skipLockedRows(
          trx
            .selectFrom('integration_events_log')
            .select(['id', 'event_id'])
            .where('created_at', '<', cutoff)
            .where('status', 'in', statuses)
            .orderBy('created_at')
            .limit(batchSize),
        )
        .execute();
      if (rows.length === 0) return 0;
      await trx
        .deleteFrom('event_attempts')
        .where(
          'event_id',
          'in',
          rows.map((row) => row.event_id),
        )
        .execute();
      await trx
        .deleteFrom('integration_events_log')
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
      return rows.length;
    });
    total += deleted;
    if (deleted < batchSize) break;
    // Let appends and claims through between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}
