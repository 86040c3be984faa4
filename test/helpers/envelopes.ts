import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import type { Service } from '../../src/main.js';

/** A BTEC_Students record as Zoho's API (and so a Deluge function) writes it: `id` and the fields. */
export function studentRecord(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: String(5_725_767_200_000_000_000n + BigInt(n)),
    Student_ID_Number: `E${String(n).padStart(5, '0')}`,
    Academic_Email: `envelope.${n}@student.example.edu`,
    Name: `Student ${n}`,
    City: 'Beirut',
    Modified_Time: '2026-11-28T10:00:00+03:00',
    ...overrides,
  };
}

/** One result of an envelope's answer. */
export type EnvelopeResult = Record<string, unknown> & {
  record_id: string | null;
  event_id: string | null;
  status: string;
};

/** Posts `{"data": records, …top}` to a module's webhook through the real app. */
export async function postEnvelope(
  service: Service,
  options: {
    module?: string;
    records: unknown[];
    top?: Record<string, unknown>;
    query?: string;
    headers?: Record<string, string>;
  },
) {
  const response = await service.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/${options.module ?? 'student'}${options.query ? `?${options.query}` : ''}`,
    headers: { 'content-type': 'application/json', ...options.headers },
    payload: JSON.stringify({ ...options.top, data: options.records }),
  });
  const body = response.json() as Record<string, unknown> & { results: EnvelopeResult[] };
  return { status: response.statusCode, body };
}

/** The events a delivery left, in the order they were stored. */
export function eventsOfDelivery(db: Kysely<Database>, deliveryId: string) {
  return db
    .selectFrom('integration_events_log')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('id')
    .execute();
}

/** How many events the log holds. */
export async function countAllEvents(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('integration_events_log')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
