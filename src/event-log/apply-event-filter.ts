import { type SelectQueryBuilder, sql } from 'kysely';
import type { Database, EventStatus } from '../db/schema.js';
import type { SearchKeyTerm } from './search-key-columns.js';

export interface EventFilter {
  status?: EventStatus | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
  /** The delivery the events came from (`delivery_id`): the records of one envelope, or a delivery and its repeats. */
  deliveryId?: string | undefined;
  /** insert | update | delete (the event_type). */
  operation?: string | undefined;
  /** Created at or after this ISO time. */
  from?: string | undefined;
  /** Created before this ISO time. */
  to?: string | undefined;
  /** The search term as the operator typed it, e.g. a student's Academic_Email (any case) or Student_ID_Number. */
  student?: string | undefined;
  /** What the term matches in the search-key columns (`searchKeyTerms`); an empty list matches nothing. */
  searchKeys?: readonly SearchKeyTerm[] | undefined;
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
  if (filter.deliveryId) q = q.where('delivery_id', '=', filter.deliveryId);
  if (filter.operation) q = q.where('event_type', '=', filter.operation);
  if (filter.searchKeys) {
    const terms = filter.searchKeys;
    q =
      terms.length === 0
        ? q.where(sql<boolean>`1 = 0`)
        : q.where((eb) => eb.or(terms.map((term) => eb(term.column, '=', term.value))));
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
