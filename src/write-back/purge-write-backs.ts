import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { withWriteBacks } from './write-back-table.js';

/**
 * Deletes finished write-backs last changed before `before`: those a later write replaced, and written ones
 * followed by a later write of the same record. The latest write of each record stays, as what mzi knows Zoho
 * holds; failed ones stay for operators. Returns how many it deleted (at most `limit`).
 */
export async function purgeWriteBacks(
  db: Kysely<Database>,
  options: { before: Date; limit: number },
): Promise<number> {
  const wb = withWriteBacks(db);
  const cutoff = options.before.toISOString();
  const rows = await wb
    .selectFrom('zoho_write_backs as w')
    .select('w.id')
    .where('w.updated_at', '<', cutoff)
    .where((eb) =>
      eb.or([
        eb('w.status', '=', 'superseded'),
        eb.and([
          eb('w.status', '=', 'written'),
          eb.exists(
            eb
              .selectFrom('zoho_write_backs as n')
              .select('n.id')
              .whereRef('n.module', '=', 'w.module')
              .whereRef('n.record_id', '=', 'w.record_id')
              .where('n.status', '=', 'written')
              .whereRef('n.id', '>', 'w.id'),
          ),
        ]),
      ]),
    )
    .orderBy('w.id')
    .limit(options.limit)
    .execute();
  if (rows.length === 0) return 0;
  const deleted = await wb
    .deleteFrom('zoho_write_backs')
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
