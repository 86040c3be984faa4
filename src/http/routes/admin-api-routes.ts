import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { countEvents } from '../../event-log/count-events.js';
import type { EventSummary } from '../../event-log/event-summary.js';
import { getEventDetail } from '../../event-log/get-event-detail.js';
import { listEventPage } from '../../event-log/list-event-page.js';
import { nameSearchKeys } from '../../event-log/name-search-keys.js';
import { retryEvent } from '../../event-log/retry-event.js';
import { retryMatchingEvents } from '../../event-log/retry-matching-events.js';
import { describeRecord } from '../../modules/describe-record.js';
import { modulesWithRecords } from '../../modules/modules-with-records.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { AdminAuth } from '../admin-auth.js';
import { checkOrigin } from '../check-origin.js';
import { refuseNulCharacters } from '../refuse-nul-characters.js';
import {
  type EVENT_DETAIL_RESPONSE,
  EVENT_LIST_QUERY,
  type EVENT_PAGE_RESPONSE,
  type EVENT_RETRIED_RESPONSE,
  EVENT_RETRY_QUERY,
  type EVENT_RETRY_RESPONSE,
  ID_PARAMS,
  parseRequestPart,
  type RECORD_DETAIL_RESPONSE,
  RECORD_SEARCH_QUERY,
  type RECORD_SEARCH_RESPONSE,
  toRouteSchema,
} from './admin-api-schemas.js';
import { parseEventFilter } from './event-filter.js';
import { findRecordOrThrow } from './find-record-or-throw.js';

export interface AdminApiOptions {
  db: Kysely<Database>;
  auth: AdminAuth;
  /** The Zoho modules served: events show their search keys under the names these give them. */
  modules: readonly ZohoModule[];
}

const SECURITY = [{ bearerAuth: [] }];
const ID_PARAMS_SCHEMA = toRouteSchema(ID_PARAMS);

/** The JSON admin API (issue 5): the dashboard's data for scripts, with the admin token as a Bearer token. */
export async function adminApiRoutes(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { db, auth, modules } = options;
  const named = <T extends EventSummary>(event: T) => nameSearchKeys(event, modules);
  // A browser sends the dashboard's session cookie with any request to this host, even from a page on another port.
  app.addHook('onRequest', async (request) => checkOrigin(request));
  app.addHook('preHandler', auth.requireApi);
  app.addHook('preHandler', refuseNulCharacters);

  app.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['admin'],
        summary: 'List events, newest first, with filters and cursor pagination',
        security: SECURITY,
        querystring: toRouteSchema(EVENT_LIST_QUERY),
      },
    },
    async (request) => {
      const query = parseRequestPart(EVENT_LIST_QUERY, request.query);
      const limit = query.limit;
      const rows = await listEventPage(db, parseEventFilter(query, modules), {
        limit: limit + 1,
        before: query.cursor,
        after: query.after,
      });
      const events = rows.slice(0, limit);
      const more = rows.length > limit && query.after === undefined;
      return {
        events: events.map(named),
        next_cursor: more ? (events[events.length - 1]?.id ?? null) : null,
      } satisfies z.input<typeof EVENT_PAGE_RESPONSE>;
    },
  );

  app.post(
    '/api/v1/events/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Retry every failed event that matches the filter (one more attempt each)',
        security: SECURITY,
        querystring: toRouteSchema(EVENT_RETRY_QUERY),
      },
    },
    async (request): Promise<z.input<typeof EVENT_RETRY_RESPONSE>> => {
      const query = parseRequestPart(EVENT_RETRY_QUERY, request.query);
      const filter = { ...parseEventFilter(query, modules), status: 'failed' as const };
      if (query.dry_run) return { matching: await countEvents(db, filter), queued: 0 };
      const queued = await retryMatchingEvents(db, filter);
      request.log.info({ queued }, 'operator retried failed events through the API');
      return { queued };
    },
  );

  app.get(
    '/api/v1/events/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'One event: request, answer, attempts, result, duplicates',
        security: SECURITY,
        params: ID_PARAMS_SCHEMA,
      },
    },
    async (request) => {
      const { id } = parseRequestPart(ID_PARAMS, request.params);
      const detail = await getEventDetail(db, id);
      return { ...detail, event: parsed(named(detail.event)) } satisfies z.input<
        typeof EVENT_DETAIL_RESPONSE
      >;
    },
  );

  app.post(
    '/api/v1/events/:id/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Queue one failed or completed event for one more attempt',
        security: SECURITY,
        params: ID_PARAMS_SCHEMA,
      },
    },
    async (request) => {
      const { id } = parseRequestPart(ID_PARAMS, request.params);
      const event = await retryEvent(db, id);
      request.log.info({ eventId: event.event_id }, 'operator retried an event through the API');
      return { event: parsed(named(event)) } satisfies z.input<typeof EVENT_RETRIED_RESPONSE>;
    },
  );

  recordRoutes(app, options);
}

/**
 * `GET /api/v1/<section>` and `GET /api/v1/<section>/:id` for every module that keeps records: a search of its
 * mirror, and one record with its related records and events (`/api/v1/students`, `/api/v1/students/{id}`).
 */
function recordRoutes(app: FastifyInstance, { db, modules }: Pick<AdminApiOptions, 'db' | 'modules'>): void {
  const all = modulesWithRecords(modules);
  for (const of of all) {
    const { module, records } = of;
    app.get(
      `/api/v1/${records.section}`,
      {
        schema: {
          tags: ['admin'],
          summary: `Search ${records.title.toLowerCase()} by ${records.searchHelp}`,
          security: SECURITY,
          querystring: toRouteSchema(RECORD_SEARCH_QUERY),
        },
      },
      async (request) => {
        const query = parseRequestPart(RECORD_SEARCH_QUERY, request.query);
        const found = await records.search(db, { q: query.q, limit: query.limit });
        return { [records.section]: found } satisfies z.input<typeof RECORD_SEARCH_RESPONSE>;
      },
    );

    app.get(
      `/api/v1/${records.section}/:id`,
      {
        schema: {
          tags: ['admin'],
          summary: `One ${module.name} (by ${records.findHelp}) with its related records and events`,
          security: SECURITY,
          params: ID_PARAMS_SCHEMA,
        },
      },
      async (request) => {
        const { id } = parseRequestPart(ID_PARAMS, request.params);
        const row = await findRecordOrThrow(db, of, id);
        const [detail, events] = await Promise.all([
          describeRecord(db, { of, row, modules: all }),
          listEventPage(db, { module: module.zohoApiName, recordId: row.zoho_record_id }, { limit: 100 }),
        ]);
        return {
          [module.name]: row,
          related: detail.related,
          events: events.map((event) => nameSearchKeys(event, modules)),
        } satisfies z.input<typeof RECORD_DETAIL_RESPONSE>;
      },
    );
  }
}

/** An event with its JSON columns parsed. */
function parsed<T extends Record<string, unknown>>(event: T): T {
  const out: Record<string, unknown> = { ...event };
  for (const key of ['payload', 'headers', 'warnings', 'result', 'response_body', 'fetched']) {
    const value = out[key];
    if (typeof value === 'string') {
      try {
        out[key] = JSON.parse(value);
      } catch {
        /* keep the text */
      }
    }
  }
  return out as T;
}
