import { z } from 'zod';
import { EVENT_STATUSES } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { MAX_EVENT_ID } from '../../event-log/find-event.js';

/**
 * Request and response shapes of the admin API and the dashboard, one zod schema each. Fastify validates a request
 * against the JSON schema made from it (`toRouteSchema`: the same checks, 400 answers and OpenAPI document as
 * before), and the handler reads typed values with `parseRequestPart`.
 */

const isRecord = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Query parameters as a route without a query schema receives them: each a string, or an array when repeated.
 * Checked, not copied (a copy would give a `__proto__` parameter a meaning).
 */
export const QUERY_PARAMETERS = z.custom<Record<string, unknown>>(isRecord, 'must be an object');
export type QueryParameters = z.infer<typeof QUERY_PARAMETERS>;

/** A form body (`application/x-www-form-urlencoded`); anything else reads as an empty form. */
export const FORM_BODY = z.custom<Record<string, unknown>>(isRecord).catch({});

/** The `:id` of a route: an event id, an event's number, or a record reference (`find` of its module). */
export const ID_PARAMS = z.object({ id: z.string() });

/** An event's numeric id as a query parameter: beyond MAX_EVENT_ID, PostgreSQL would fail the query. */
const EVENT_ID = z.int().min(0).max(MAX_EVENT_ID);

/** The event filter of the admin API; `parseEventFilter` reads and checks it further. */
const EVENT_FILTER_FIELDS = {
  status: z.enum(EVENT_STATUSES).optional(),
  module: z
    .string()
    .meta({ examples: ['BTEC_Students'] })
    .optional(),
  operation: z.enum(['insert', 'update', 'delete', 'invalid']).optional(),
  record_id: z.string().meta({ description: 'Zoho record id' }).optional(),
  delivery_id: z
    .string()
    .meta({ description: 'The delivery the events came from: the records of one envelope' })
    .optional(),
  student: z
    .string()
    .meta({ description: "A student's Academic_Email (any case) or Student_ID_Number" })
    .optional(),
  from: z.string().meta({ description: 'Created at or after (ISO 8601, UTC)' }).optional(),
  to: z.string().meta({ description: 'Created before (ISO 8601, UTC)' }).optional(),
};

/** `GET /api/v1/events`. */
export const EVENT_LIST_QUERY = z.object({
  ...EVENT_FILTER_FIELDS,
  limit: z.int().min(1).max(500).default(50),
  cursor: EVENT_ID.meta({ description: 'next_cursor of the previous page: events older than it' }).optional(),
  after: EVENT_ID.meta({ description: 'Events newer than this id, oldest first (live refresh)' }).optional(),
});

/** `POST /api/v1/events/retry`. */
export const EVENT_RETRY_QUERY = z.object({ ...EVENT_FILTER_FIELDS, dry_run: z.boolean().optional() });

/** `GET /api/v1/<section>` (`/api/v1/students`): a search of a module's records. */
export const RECORD_SEARCH_QUERY = z.object({
  q: z.string().optional(),
  limit: z.int().min(1).max(500).default(100),
});

/** An event row as the admin API returns it: its JSON columns parsed, the other columns as stored. */
const EVENT_ROW = z.looseObject({ id: z.number(), event_id: z.string(), status: z.enum(EVENT_STATUSES) });

/** `GET /api/v1/events`: a page, newest first, and the cursor of the next one. */
export const EVENT_PAGE_RESPONSE = z.object({
  events: z.array(EVENT_ROW),
  next_cursor: z.number().nullable(),
});

/** `POST /api/v1/events/retry`: how many events were queued, or (dry run) how many match. */
export const EVENT_RETRY_RESPONSE = z.object({ queued: z.number(), matching: z.number().optional() });

/** `GET /api/v1/events/:id`: the event with its attempts, and the events that duplicate it. */
export const EVENT_DETAIL_RESPONSE = z.looseObject({ event: EVENT_ROW });

/** `POST /api/v1/events/:id/retry`: the event, queued again. */
export const EVENT_RETRIED_RESPONSE = z.object({ event: EVENT_ROW });

/** A record of a module's mirror as the admin API returns it: its columns as stored. */
const RECORD_ROW = z.looseObject({ zoho_record_id: z.string() });

/** A list of records related to one record (`RelatedSection`). */
const RELATED_SECTION = z.object({
  title: z.string(),
  columns: z.array(z.string()).readonly(),
  rows: z
    .array(
      z.object({
        cells: z.array(z.union([z.string(), z.number(), z.null()]).optional()).readonly(),
        link: z.object({ section: z.string(), recordId: z.string() }).optional(),
      }),
    )
    .readonly(),
});

/** `GET /api/v1/<section>`: the records found, under the section's name (`{"students": […]}`). */
export const RECORD_SEARCH_RESPONSE = z.record(z.string(), z.array(RECORD_ROW));

/**
 * `GET /api/v1/<section>/:id`: the record under its module's name (`{"student": {…}}`), the records related to
 * it, and its latest events.
 */
export const RECORD_DETAIL_RESPONSE = z.looseObject({
  related: z.array(RELATED_SECTION).readonly(),
  events: z.array(EVENT_ROW),
});

/** The JSON schema Fastify validates a request part with (and @fastify/swagger documents), from its zod schema. */
export function toRouteSchema(schema: z.ZodType): Record<string, unknown> {
  const json: Record<string, unknown> = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' });
  delete json.$schema;
  return json;
}

/**
 * A request part (query, params, body) as its schema types it. Fastify has checked it against the same schema
 * already where the route declares one; a value that still does not fit answers 400 as Fastify's own check does.
 */
export function parseRequestPart<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('/')} ` : '';
  throw new AppError('bad_request', `${where}${issue?.message ?? 'is malformed'}`.slice(0, 300), {
    status: 400,
  });
}
