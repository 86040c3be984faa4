import { type Kysely, sql } from 'kysely';
import { isPostgres } from './is-postgres.js';

// PostgreSQL plans the worker's claim (`status = 'pending' … ORDER BY id LIMIT n`) from statistics, and these
// are always stale for a queue: analyzed in a burst, they say a third of the log is pending, and the planner
// then walks the primary key from the oldest event, reading every finished event before the first pending one
// (docs/PERFORMANCE.md#postgresql-claim-plans). An index that holds only the pending events, in id order,
// is the cheapest plan whatever the statistics say, and stays as small as the queue. SQLite plans without
// statistics and already walks (status, id); it gets no index to maintain.
// Frozen in time: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await db.schema
    .createIndex('events_pending_idx')
    .on('integration_events_log')
    .column('id')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await db.schema.dropIndex('events_pending_idx').execute();
}
