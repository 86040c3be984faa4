import type { ExpressionBuilder, Kysely, SelectQueryBuilder } from 'kysely';
import { dialectAdapter } from '../db/dialect-adapter.js';
import {
  type Database,
  EVENT_STATUSES,
  type EventAttemptRow,
  type EventRow,
  type EventStatus,
} from '../db/schema.js';
import { AppError } from '../errors.js';

/** Finds an event by its public `event_id` or its numeric row id. */
/**
 * The largest event id: PostgreSQL numbers events with `serial`, a 32-bit integer, and fails a query that
 * compares it with a larger number (SQLite's rowid is wider, but gets nowhere near it).
 */
export const MAX_EVENT_ID = 2_147_483_647;

export async function findEvent(db: Kysely<Database>, ref: string): Promise<EventRow | undefined> {
  const query = db.selectFrom('integration_events_log').selectAll();
  if (/^\d{1,10}$/.test(ref) && Number(ref) <= MAX_EVENT_ID)
    return query.where('id', '=', Number(ref)).executeTakeFirst();
  return query.where('event_id', '=', ref).executeTakeFirst();
}

export async function getEventOrThrow(db: Kysely<Database>, ref: string): Promise<EventRow> {
  const event = await findEvent(db, ref);
  if (!event) {
    throw new AppError(
      'event_not_found',
      `No event with id "${ref.slice(0, 80)}"; list events with \`mzi events list\`.`,
      {
        status: 404,
      },
    );
  }
  return event;
}

export interface EventFilter {
  status?: EventStatus | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
  /** insert | update | delete (the event_type). */
  operation?: string | undefined;
  /** Created at or after this ISO time. */
  from?: string | undefined;
  /** Created before this ISO time. */
  to?: string | undefined;
  /** A student's Academic_Email (any case) or Student_ID_Number. */
  student?: string | undefined;
}

type EventsQuery<O> = SelectQueryBuilder<Database, 'integration_events_log', O>;

/**
 * Narrows a query on the event log to a filter. Every branch can use an index, and a date range becomes an
 * id range (ids grow with time), so newest-first pages stay fast with millions of rows.
 */
export function applyEventFilter<O>(query: EventsQuery<O>, filter: EventFilter): EventsQuery<O> {
  let q = query;
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.module) q = q.where('module', '=', filter.module);
  if (filter.recordId) q = q.where('record_id', '=', filter.recordId);
  if (filter.operation) q = q.where('event_type', '=', filter.operation);
  if (filter.student) {
    const value = filter.student.trim();
    q = value.includes('@')
      ? q.where('academic_email', '=', value.toLowerCase())
      : q.where('student_id_number', '=', value);
  }
  if (filter.from) {
    const from = filter.from;
    q = q.where('id', '>=', (eb) =>
      eb
        .selectFrom('integration_events_log as f')
        .select((f) => f.fn.min<number>('f.id').as('id'))
        .where('f.created_at', '>=', from),
    );
  }
  if (filter.to) {
    const to = filter.to;
    q = q.where('id', '<=', (eb) =>
      eb
        .selectFrom('integration_events_log as t')
        .select((t) => t.fn.max<number>('t.id').as('id'))
        .where('t.created_at', '<', to),
    );
  }
  return q;
}

/** The columns of an event in lists (no bodies). */
export const EVENT_SUMMARY_COLUMNS = [
  'id',
  'event_id',
  'source',
  'module',
  'event_type',
  'record_id',
  'status',
  'error_code',
  'error_message',
  'attempts',
  'duplicate_of',
  'created_at',
  'processed_at',
  'next_attempt_at',
  'academic_email',
  'student_id_number',
] as const;

export type EventSummary = Pick<EventRow, (typeof EVENT_SUMMARY_COLUMNS)[number]>;

/**
 * A page of events, newest first (`before`: ids below this one), or the events that arrived since a page
 * was shown (`after`: ids above this one, oldest first, for live refresh).
 */
export async function listEventPage(
  db: Kysely<Database>,
  filter: EventFilter,
  page: { limit: number; before?: number | undefined; after?: number | undefined },
): Promise<EventSummary[]> {
  let query = applyEventFilter(
    db.selectFrom('integration_events_log').select(EVENT_SUMMARY_COLUMNS),
    filter,
  ).limit(page.limit);
  if (page.after !== undefined) return query.where('id', '>', page.after).orderBy('id', 'asc').execute();
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  return query.orderBy('id', 'desc').execute();
}

/** How many events match a filter (the confirmation of a bulk retry). */
export async function countEvents(db: Kysely<Database>, filter: EventFilter): Promise<number> {
  const row = await applyEventFilter(
    db.selectFrom('integration_events_log').select((eb) => eb.fn.countAll<number | string>().as('n')),
    filter,
  ).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Queues every failed event that matches the filter for one more attempt; returns how many. */
export async function retryMatchingEvents(
  db: Kysely<Database>,
  filter: EventFilter,
  now: Date = new Date(),
): Promise<number> {
  const ids = applyEventFilter(db.selectFrom('integration_events_log').select('id'), {
    ...filter,
    status: 'failed',
  }).where('event_type', '!=', 'invalid');
  const result = await db
    .updateTable('integration_events_log')
    .set(requeue(now))
    .where('id', 'in', ids)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface EventDetail {
  event: EventRow;
  attempts: EventAttemptRow[];
  /** The event this one duplicates, and the re-deliveries recorded as duplicates of this one. */
  original: EventSummary | undefined;
  duplicates: EventSummary[];
}

export async function getEventDetail(db: Kysely<Database>, ref: string): Promise<EventDetail> {
  const event = await getEventOrThrow(db, ref);
  const [attempts, original, duplicates] = await Promise.all([
    listAttempts(db, event.event_id),
    event.duplicate_of
      ? db
          .selectFrom('integration_events_log')
          .select(EVENT_SUMMARY_COLUMNS)
          .where('event_id', '=', event.duplicate_of)
          .executeTakeFirst()
      : Promise.resolve(undefined),
    db
      .selectFrom('integration_events_log')
      .select(EVENT_SUMMARY_COLUMNS)
      .where('duplicate_of', '=', event.event_id)
      .orderBy('id')
      .limit(100)
      .execute(),
  ]);
  return { event, attempts, original, duplicates };
}

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

/** Newest first. */
export async function listEvents(
  db: Kysely<Database>,
  options: EventFilter & { limit: number; beforeId?: number },
): Promise<EventRow[]> {
  let query = db.selectFrom('integration_events_log').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.module) query = query.where('module', '=', options.module);
  if (options.recordId) query = query.where('record_id', '=', options.recordId);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  return query.execute();
}

export async function listAttempts(db: Kysely<Database>, eventId: string): Promise<EventAttemptRow[]> {
  return db.selectFrom('event_attempts').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
}

export interface RecentEvent {
  event_id: string;
  source: string;
  module: string;
  event_type: string;
  record_id: string;
  status: string;
  error_code: string | null;
  created_at: string;
  processed_at: string | null;
}

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
    .select([
      'event_id',
      'source',
      'module',
      'event_type',
      'record_id',
      'status',
      'error_code',
      'created_at',
      'processed_at',
    ])
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

const RETRYABLE_BY_OPERATOR: readonly EventStatus[] = ['failed', 'completed'];

/**
 * Queues an event again for one more attempt (DESIGN.md §3: a manual retry runs once).
 * Failed and completed events can be retried; pending, processing and duplicate ones cannot.
 */
export async function retryEvent(
  db: Kysely<Database>,
  ref: string,
  now: Date = new Date(),
): Promise<EventRow> {
  const event = await getEventOrThrow(db, ref);
  if (!RETRYABLE_BY_OPERATOR.includes(event.status) || event.event_type === 'invalid') {
    const why =
      event.status === 'duplicate'
        ? `it is a duplicate of ${event.duplicate_of}; retry that one instead`
        : event.event_type === 'invalid'
          ? 'its operation is not one mzi knows; send the delivery again with a valid operation'
          : `it is ${event.status}`;
    throw new AppError('event_not_retryable', `Event ${event.event_id} cannot be retried: ${why}.`, {
      status: 409,
    });
  }
  await db
    .updateTable('integration_events_log')
    .set(requeue(now))
    .where('id', '=', event.id)
    .where('status', 'in', RETRYABLE_BY_OPERATOR)
    .execute();
  return getEventOrThrow(db, event.event_id);
}

/** One more attempt, due now: the last error stays in the attempt history, not on the event. */
function requeue(now: Date) {
  const timestamp = now.toISOString();
  return (eb: ExpressionBuilder<Database, 'integration_events_log'>) => ({
    status: 'pending' as const,
    next_attempt_at: timestamp,
    updated_at: timestamp,
    processed_at: null,
    error_message: null,
    error_code: null,
    max_attempts: eb('attempts', '+', 1),
    locked_by: null,
    locked_until: null,
  });
}

/**
 * Makes waiting retries due now, for events whose last error has one of these codes (e.g. Moodle was
 * unreachable and answers again). Returns how many.
 */
export async function expediteRetries(
  db: Kysely<Database>,
  errorCodes: readonly string[],
  now: Date = new Date(),
): Promise<number> {
  const result = await db
    .updateTable('integration_events_log')
    .set({ next_attempt_at: now.toISOString(), updated_at: now.toISOString() })
    .where('status', '=', 'pending')
    .where('error_code', 'in', errorCodes)
    .where('next_attempt_at', '>', now.toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

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
