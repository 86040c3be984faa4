import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import {
  countEvents,
  getEventDetail,
  listEventPage,
  MAX_EVENT_ID,
  retryEvent,
  retryMatchingEvents,
} from '../../event-log/event-store.js';
import { students } from '../../modules/index.js';
import type { AdminAuth } from '../admin-auth.js';
import { checkOrigin } from '../check-origin.js';
import { refuseNulCharacters } from '../refuse-nul-characters.js';
import { parseEventFilter } from './event-filter.js';

export interface AdminApiOptions {
  db: Kysely<Database>;
  auth: AdminAuth;
}

const EVENT_FILTER_QUERY = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['pending', 'processing', 'completed', 'failed', 'duplicate'] },
    module: { type: 'string', examples: ['BTEC_Students'] },
    operation: { type: 'string', enum: ['insert', 'update', 'delete', 'invalid'] },
    record_id: { type: 'string', description: 'Zoho record id' },
    student: { type: 'string', description: "A student's Academic_Email (any case) or Student_ID_Number" },
    from: { type: 'string', description: 'Created at or after (ISO 8601, UTC)' },
    to: { type: 'string', description: 'Created before (ISO 8601, UTC)' },
  },
} as const;

const SECURITY = [{ bearerAuth: [] }];
/** An event's numeric id as a query parameter: beyond MAX_EVENT_ID, PostgreSQL would fail the query. */
const EVENT_ID = { type: 'integer', minimum: 0, maximum: MAX_EVENT_ID } as const;
const ID_PARAMS = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

/** The JSON admin API (issue 5): the dashboard's data for scripts, with the admin token as a Bearer token. */
export async function adminApiRoutes(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { db, auth } = options;
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
        querystring: {
          ...EVENT_FILTER_QUERY,
          properties: {
            ...EVENT_FILTER_QUERY.properties,
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: {
              ...EVENT_ID,
              description: 'next_cursor of the previous page: events older than it',
            },
            after: { ...EVENT_ID, description: 'Events newer than this id, oldest first (live refresh)' },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as Record<string, unknown> & {
        limit?: number;
        cursor?: number;
        after?: number;
      };
      const limit = query.limit ?? 50;
      const rows = await listEventPage(db, parseEventFilter(query), {
        limit: limit + 1,
        before: query.cursor,
        after: query.after,
      });
      const events = rows.slice(0, limit);
      const more = rows.length > limit && query.after === undefined;
      return { events, next_cursor: more ? (events[events.length - 1]?.id ?? null) : null };
    },
  );

  app.post(
    '/api/v1/events/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Retry every failed event that matches the filter (one more attempt each)',
        security: SECURITY,
        querystring: {
          ...EVENT_FILTER_QUERY,
          properties: { ...EVENT_FILTER_QUERY.properties, dry_run: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const query = request.query as Record<string, unknown> & { dry_run?: boolean };
      const filter = { ...parseEventFilter(query), status: 'failed' as const };
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
        params: ID_PARAMS,
      },
    },
    async (request) => {
      const detail = await getEventDetail(db, (request.params as { id: string }).id);
      return { ...detail, event: parsed(detail.event) };
    },
  );

  app.post(
    '/api/v1/events/:id/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Queue one failed or completed event for one more attempt',
        security: SECURITY,
        params: ID_PARAMS,
      },
    },
    async (request) => {
      const event = await retryEvent(db, (request.params as { id: string }).id);
      request.log.info({ eventId: event.event_id }, 'operator retried an event through the API');
      return { event: parsed(event) };
    },
  );

  app.get(
    '/api/v1/students',
    {
      schema: {
        tags: ['admin'],
        summary: 'Search students by name, email, Student ID or Zoho record id',
        security: SECURITY,
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { q?: string; limit?: number };
      return { students: await students.records.search(db, { q: query.q, limit: query.limit ?? 100 }) };
    },
  );

  app.get(
    '/api/v1/students/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'One student (by Zoho record id, Student ID or email) with its events',
        security: SECURITY,
        params: ID_PARAMS,
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const [student] = await students.records.find(db, id);
      if (!student)
        throw new AppError('student_not_found', `No student matches "${id.slice(0, 80)}".`, { status: 404 });
      const events = await listEventPage(db, { recordId: student.zoho_record_id }, { limit: 100 });
      return { student, events };
    },
  );
}

/** An event with its JSON columns parsed. */
function parsed<T extends Record<string, unknown>>(event: T): T {
  const out: Record<string, unknown> = { ...event };
  for (const key of ['payload', 'headers', 'warnings', 'result', 'response_body']) {
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
