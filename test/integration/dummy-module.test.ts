import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedEvent, Database } from '../../src/db/schema.js';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { fromZoho, MODULES } from '../../src/modules/index.js';
import type { RecordData, ZohoModule } from '../../src/modules/zoho-module.js';
import type { HandlerOutcome } from '../../src/worker/event-handler.js';
import { eventRow } from '../helpers/deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/**
 * A Zoho module that exists only in this file: its fields, its table (a migration of its own), its handler. It
 * goes through intake, the worker and the outcome like students do, which proves that a module needs nothing
 * outside its own definition and the list of modules.
 */
const widgets: ZohoModule = {
  name: 'widget',
  zohoApiName: 'Test_Widgets',
  fields: [
    { apiName: 'Label', label: 'Label', personal: false, maxLength: 100 },
    { apiName: 'Owner_Email', label: 'Owner Email', personal: true, maxLength: 320 },
  ],
  migrations: {
    '2099-01-01-0001-test-widgets': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('test_widgets')
          .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
          .addColumn('label', 'varchar(100)')
          .addColumn('deleted_at', 'varchar(32)')
          .execute();
      },
    },
  },
  moodleFunctions: [],
  testDelivery: {
    fields: [{ apiName: 'Label', label: 'Label', value: 'A widget' }],
    hint: { field: 'Label', example: 'x' },
  },
  searchKeys: [],
  async knownRecords(db, recordIds) {
    if (recordIds.length === 0) return new Map();
    const rows = await sql<{ zoho_record_id: string; deleted_at: string | null }>`
      SELECT zoho_record_id, deleted_at FROM test_widgets
      WHERE zoho_record_id IN (${sql.join([...recordIds])})`.execute(db);
    return new Map(rows.rows.map((row) => [row.zoho_record_id, row.deleted_at === null]));
  },
  createHandler: () => handleWidget,
};

/** Mirrors a widget; a widget labelled "broken" fails for good, as wrong data does. */
async function handleWidget(event: ClaimedEvent): Promise<HandlerOutcome> {
  const { operation, data } = JSON.parse(event.payload) as { operation: string; data: RecordData };
  if (data.Label === 'broken')
    throw new ProcessingError('widget.broken', `Widget ${event.record_id} is broken.`);
  const label = data.Label ?? null;
  return {
    result: { widget: operation },
    apply: async (trx: Kysely<Database>) => {
      const deletedAt = operation === 'delete' ? new Date().toISOString() : null;
      await sql`
        INSERT INTO test_widgets (zoho_record_id, label, deleted_at)
        VALUES (${event.record_id}, ${label}, ${deletedAt})
        ON CONFLICT (zoho_record_id) DO UPDATE SET label = excluded.label, deleted_at = excluded.deleted_at`.execute(
        trx,
      );
    },
  };
}

const TOKEN = 'dummy-module-token-0123456789';
let service: TestService;

beforeEach(async () => {
  // The worker runs in this thread: a module defined in a test cannot be loaded by a worker thread.
  service = await startTestService(
    { ZOHO_WEBHOOK_TOKEN: TOKEN },
    { modules: [...MODULES, widgets], threads: false },
  );
});

afterEach(async () => {
  await service.cleanup();
});

async function postWidget(form: Record<string, string>, query = '') {
  const response = await service.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/widget${query}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-webhook-token': TOKEN },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

async function widgetRow(recordId: string) {
  const rows = await sql<{ label: string | null }>`
    SELECT label FROM test_widgets WHERE zoho_record_id = ${recordId}`.execute(service.database.db);
  return rows.rows[0];
}

describe('a module defined outside src/modules', () => {
  it('takes deliveries on its own route and completes them through its handler', async () => {
    const reply = await postWidget({ id: '9001', Label: 'First', Unknown_Field: 'x' }, '?operation=insert');
    expect(reply).toMatchObject({ status: 200, body: { status: 'queued', event_type: 'insert' } });
    await service.worker.drain();

    const event = await eventRow(service.database.db, String(reply.body.event_id));
    expect(event).toMatchObject({ module: 'Test_Widgets', record_id: '9001', status: 'completed' });
    expect(JSON.parse(event.result ?? '{}')).toEqual({ widget: 'insert' });
    expect(JSON.parse(event.warnings ?? '[]')).toEqual([
      'Ignored fields that are not Test_Widgets fields mzi knows: Unknown_Field.',
    ]);
    expect(await widgetRow('9001')).toEqual({ label: 'First' });
  });

  it('infers update for a record its own table knows, and insert for one it does not', async () => {
    await postWidget({ id: '9002', Label: 'Known' }, '?operation=insert');
    await service.worker.drain();
    // Without the log's history the operation comes from the module's records: the history is purged here.
    await service.database.db.deleteFrom('integration_events_log').execute();

    const known = await postWidget({ id: '9002', Label: 'Renamed' });
    const unknown = await postWidget({ id: '9003', Label: 'New' });
    expect(known.body).toMatchObject({ status: 'queued', event_type: 'update' });
    expect(unknown.body).toMatchObject({ status: 'queued', event_type: 'insert' });
    await service.worker.drain();
    expect(await widgetRow('9002')).toEqual({ label: 'Renamed' });
  });

  it('fails an event its handler refuses, with the handler’s code and message', async () => {
    const reply = await postWidget({ id: '9004', Label: 'broken' }, '?operation=insert');
    await service.worker.drain();

    const event = await eventRow(service.database.db, String(reply.body.event_id));
    expect(event).toMatchObject({
      status: 'failed',
      error_code: 'widget.broken',
      error_message: 'Widget 9004 is broken.',
      attempts: 1,
    });
    expect(await widgetRow('9004')).toBeUndefined();
  });

  it('lists its URL beside the students’ and keeps the students working', async () => {
    const missing = await service.app.inject({ method: 'GET', url: '/nowhere' });
    expect(
      (missing.json() as { webhook_urls: string[] }).webhook_urls.map((url) => new URL(url).pathname),
    ).toEqual(fromZoho([...MODULES, widgets]).map((module) => `/api/v1/events/zoho/${module.name}`));
    const student = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/student?operation=insert',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-webhook-token': TOKEN },
      payload: 'id=9005&Academic_Email=w.student%40student.example.edu&Name=Widget%20Student',
    });
    await service.worker.drain();
    const event = await eventRow(
      service.database.db,
      String((student.json() as { event_id: string }).event_id),
    );
    expect(event).toMatchObject({ module: 'BTEC_Students', status: 'completed' });
  });
});
