import type { Kysely } from 'kysely';
import { type Database, EVENT_STATUSES, type EventRow } from '../db/schema.js';

/** The columns of a recent event: no bodies, and the error code without its message. */
const RECENT_EVENT_COLUMNS = [
  'event_id',
  'source',
  'module',
  'event_type',
  'record_id',
  'status',
  'error_code',
  'created_at',
  'processed_at',
] as const;

export type RecentEvent = Pick<EventRow, (typeof RECENT_EVENT_COLUMNS)[number]>;

export interface EventStats {
  total_events: number;
  by_status: Record<string, number>;
  by_source: Record<string, number>;
  by_module: Record<string, number>;
  recent_events: RecentEvent[];
}

/** The stats contract of the original system (DESIGN.md §1), plus by_module and recent events without personal data. */
export async function getEventStats(
  db: Kysely<Database>,
  options: { recent?: number } = {},
): Promise<EventStats> {
  // Maintained by triggers (migration 0002): constant time whatever the size of the log.
  const grouped = await db
    .selectFrom(
      db
        .selectFrom('event_counts')
        .select(['status', 'source', 'module', 'n'])
        .unionAll(db.selectFrom('event_count_deltas').select(['status', 'source', 'module', 'd as n']))
        .as('c'),
    )
    .select(['status', 'source', 'module', (eb) => eb.fn.sum<number | string>('n').as('n')])
    .groupBy(['status', 'source', 'module'])
    .execute();
  const byStatus: Record<string, number> = Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0]));
  const bySource: Record<string, number> = {};
  const byModule: Record<string, number> = {};
  let total = 0;
  for (const row of grouped) {
    const n = Number(row.n);
    if (n === 0) continue;
    total += n;
    byStatus[row.status] = (byStatus[row.status] ?? 0) + n;
    bySource[row.source] = (bySource[row.source] ?? 0) + n;
    byModule[row.module] = (byModule[row.module] ?? 0) + n;
  }
  // Error messages can quote field values, so recent events carry the error code only.
  const recent = await db
    .selectFrom('integration_events_log')
    .select(RECENT_EVENT_COLUMNS)
    .orderBy('id', 'desc')
    .limit(options.recent ?? 10)
    .execute();
  return {
    total_events: total,
    by_status: byStatus,
    by_source: bySource,
    by_module: byModule,
    recent_events: recent,
  };
}
