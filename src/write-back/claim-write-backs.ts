import type { Kysely } from 'kysely';
import { dialectAdapter } from '../db/dialect-adapter.js';
import type { Database } from '../db/schema.js';
import { type WriteBackRow, withWriteBacks } from './write-back-table.js';

/**
 * Claims up to `limit` due write-backs with a lease, as the event log claims events (claim-events.ts): due
 * pending rows, and rows whose sender's lease ran out (it stopped mid-write; writing the same value again is
 * harmless). A record another worker is writing waits, so that its writes reach Zoho in order.
 */
export async function claimWriteBacks(
  db: Kysely<Database>,
  options: { workerId: string; limit: number; leaseSeconds: number; now: Date },
): Promise<WriteBackRow[]> {
  const now = options.now.toISOString();
  const lockedUntil = new Date(options.now.getTime() + options.leaseSeconds * 1000).toISOString();
  const rows = await db.transaction().execute(async (trx) => {
    const wb = withWriteBacks(trx);
    const due = await dialectAdapter(trx)
      .skipLockedRows(
        wb
          .selectFrom('zoho_write_backs as w')
          .select('w.id')
          .where((eb) =>
            eb.or([
              eb.and([eb('w.status', '=', 'pending'), eb('w.next_attempt_at', '<=', now)]),
              eb.and([eb('w.status', '=', 'sending'), eb('w.locked_until', '<', now)]),
            ]),
          )
          .where(
            (eb) =>
              eb
                .selectFrom('zoho_write_backs as s')
                .select('s.id')
                .whereRef('s.module', '=', 'w.module')
                .whereRef('s.record_id', '=', 'w.record_id')
                .where('s.status', '=', 'sending')
                .where('s.locked_until', '>=', now)
                .limit(1),
            'is',
            null,
          )
          .orderBy('w.id')
          .limit(options.limit),
      )
      .execute();
    if (due.length === 0) return [];
    return wb
      .updateTable('zoho_write_backs')
      .set((eb) => ({
        status: 'sending',
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
      .where((eb) =>
        eb.or([
          eb('status', '=', 'pending'),
          eb.and([eb('status', '=', 'sending'), eb('locked_until', '<', now)]),
        ]),
      )
      .returningAll()
      .execute();
  });
  return rows.sort((a, b) => a.id - b.id);
}
