import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import type { Service } from '../../src/main.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export interface PostOptions {
  contentType?: string;
  query?: string;
  headers?: Record<string, string>;
}

/** Posts to the student webhook through the real app. */
export async function postStudent(service: Service, body: string | object, options: PostOptions = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await service.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/student${options.query ? `?${options.query}` : ''}`,
    headers: {
      ...(options.contentType === '' ? {} : { 'content-type': options.contentType ?? 'application/json' }),
      ...options.headers,
    },
    payload,
  });
  return {
    status: response.statusCode,
    body: response.json() as Record<string, unknown>,
    headers: response.headers,
  };
}

/** A custom-JSON student body (the original system's shape) with fresh ids. */
export function customStudentBody(
  overrides: {
    recordId?: string;
    operation?: string;
    notificationId?: string | null;
    data?: Record<string, unknown>;
  } = {},
) {
  const base = fixtureJson<{ data: Record<string, unknown> }>('zoho/student-custom.json');
  const recordId = overrides.recordId ?? String(5725767000000000000 + Math.floor(Math.random() * 1e12));
  const body: Record<string, unknown> = {
    ...base,
    record_id: recordId,
    operation: overrides.operation ?? 'insert',
    data: { ...base.data, ...overrides.data },
  };
  if (overrides.notificationId === null) delete body.notification_id;
  else body.notification_id = overrides.notificationId ?? `${recordId}_${Date.now()}_${Math.random()}`;
  return body;
}

export async function eventRow(db: Kysely<Database>, eventId: string) {
  return db
    .selectFrom('integration_events_log')
    .selectAll()
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
}

export async function studentRow(db: Kysely<Database>, recordId: string) {
  return db.selectFrom('students').selectAll().where('zoho_record_id', '=', recordId).executeTakeFirst();
}
