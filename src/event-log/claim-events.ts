import type { Kysely } from 'kysely';
import { dialectAdapter } from '../db/dialect-adapter.js';
import { CLAIMED_EVENT_COLUMNS, type ClaimedEvent, type Database, EVENT_STATUSES } from '../db/schema.js';

/**
 * Claims up to `limit` due events with a lease. Only the oldest unfinished event of each record is eligible,
 * so events of one record are processed in arrival order (DESIGN.md §3); a retrying event holds back the
 * later events of its record until it completes or fails.
 */
export async function claimEvents(
  db: Kysely<Database>,
  options: { workerId: string; limit: number; leaseSeconds: number; now: Date },
): Promise<ClaimedEvent[]> {
  const now = options.now.toISOString();
  const lockedUntil = new Date(options.now.getTime() + options.leaseSeconds * 1000).toISOString();
  // Two statements in one transaction, not UPDATE … WHERE id IN (SELECT … LIMIT): PostgreSQL may re-run such
  // a subquery for every candidate row (docs/PERFORMANCE.md#postgresql-claim-plans).
  const rows = await db.transaction().execute(async (trx) => {
    await dialectAdapter(trx).planClaimInIdOrder(trx);
    const due = await dueEvents(trx, { now, limit: options.limit }).execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('integration_events_log')
      .set((eb) => ({
        status: 'processing',
        locked_by: options.workerId,
        locked_until: lockedUntil,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where(
        'id',
        'in',
        due.map((row) => row.id),
      )
      .where('status', '=', 'pending')
      .returning(CLAIMED_EVENT_COLUMNS)
      .execute();
  });
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * An event waits while an older one of its record is unfinished: its status is not one of these. Said as "not
 * finished" rather than "pending or processing" so that no index on status can serve the check (PostgreSQL,
 * told by its statistics that few events are unfinished, otherwise scanned every unfinished event of the log for
 * each candidate; docs/PERFORMANCE.md#postgresql-claim-plans).
 */
const FINISHED_STATUSES = EVENT_STATUSES.filter((status) => status !== 'pending' && status !== 'processing');

/**
 * The ids of up to `limit` due events, oldest first, each the oldest unfinished event of its record, skipping
 * rows another worker has locked (PostgreSQL). Run it after the adapter's `planClaimInIdOrder`, in the claim's transaction: the
 * candidates then come from the index of pending events in id order (on PostgreSQL, migration 0006), whatever
 * the statistics say.
 *
 * The record check is a scalar subquery with LIMIT 1, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti
 * join whose inner side it may scan once in full (a sequential scan of the whole log for every claim, when its
 * statistics say few events are unfinished); a scalar subquery stays a lookup of the candidate's own record.
 */
export function dueEvents(trx: Kysely<Database>, options: { now: string; limit: number }) {
  return dialectAdapter(trx).skipLockedRows(
    trx
      .selectFrom('integration_events_log as e')
      .select('e.id')
      .where('e.status', '=', 'pending')
      .where('e.next_attempt_at', '<=', options.now)
      .where(
        (eb) =>
          eb
            .selectFrom('integration_events_log as p')
            .select('p.id')
            .whereRef('p.record_id', '=', 'e.record_id')
            .whereRef('p.module', '=', 'e.module')
            .whereRef('p.id', '<', 'e.id')
            .where('p.status', 'not in', FINISHED_STATUSES)
            .limit(1),
        'is',
        null,
      )
      .orderBy('e.id')
      .limit(options.limit),
  );
}
