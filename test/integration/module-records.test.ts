import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedEvent, Database } from '../../src/db/schema.js';
import { MODULES } from '../../src/modules/index.js';
import type { MirrorRow, ModuleRecords, RecordData, ZohoModule } from '../../src/modules/zoho-module.js';
import type { HandlerOutcome } from '../../src/worker/event-handler.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

/**
 * Two modules that exist only in this file, each with a mirror of its own: rooms, and visits that name their room
 * (a lookup, as an enrollment names its class). The dashboard, the admin API and their search and detail pages
 * serve them from their `records` alone: a visit's page lists its room, a room's page the visits of it
 * (`relatedTo`), as a class's page will list its students.
 */
const TOKEN = 'module-records-token-0123456789';
const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

type RoomRow = MirrorRow & { label: string | null; floor: string | null };
type VisitRow = MirrorRow & { visitor: string | null; room: string | null; status: string | null };

/** A table with the columns every mirror has, and these text columns. */
const mirrorTable = (table: string, columns: string[]) => ({
  async up(db: Kysely<unknown>) {
    let create = db.schema
      .createTable(table)
      .addColumn('zoho_record_id', 'varchar(128)', (col) => col.primaryKey())
      .addColumn('deleted_at', 'varchar(32)')
      .addColumn('updated_at', 'varchar(32)', (col) => col.notNull());
    for (const column of columns) create = create.addColumn(column, 'varchar(200)');
    await create.execute();
  },
});

/** The handler of a module whose fields go, lower-cased, in its table's columns of the same names. */
const mirrorHandler =
  (table: string, columns: string[]) =>
  async (event: ClaimedEvent): Promise<HandlerOutcome> => {
    const { operation, data } = JSON.parse(event.payload) as { operation: string; data: RecordData };
    const values = columns.map(
      (column) => data[Object.keys(data).find((k) => k.toLowerCase() === column) ?? ''] ?? null,
    );
    return {
      result: { mirrored: event.record_id },
      apply: async (trx: Kysely<Database>) => {
        const now = new Date().toISOString();
        const deletedAt = operation === 'delete' ? now : null;
        await sql`
          INSERT INTO ${sql.table(table)} (zoho_record_id, deleted_at, updated_at, ${sql.join(columns.map((c) => sql.ref(c)))})
          VALUES (${event.record_id}, ${deletedAt}, ${now}, ${sql.join(values)})
          ON CONFLICT (zoho_record_id) DO UPDATE SET deleted_at = excluded.deleted_at, updated_at = excluded.updated_at,
          ${sql.join(columns.map((c) => sql`${sql.ref(c)} = coalesce(excluded.${sql.ref(c)}, ${sql.table(table)}.${sql.ref(c)})`))}`.execute(
          trx,
        );
      },
    };
  };

/** Rows of a test table: by record id, or (with `q`) whose first column contains it. */
async function selectRows<Row>(
  db: Kysely<Database>,
  table: string,
  where: { id?: string; q?: string | undefined; column: string; limit: number },
): Promise<Row[]> {
  const filter =
    where.id !== undefined
      ? sql`WHERE zoho_record_id = ${where.id}`
      : where.q
        ? sql`WHERE lower(${sql.ref(where.column)}) LIKE ${`%${where.q.toLowerCase()}%`} OR zoho_record_id = ${where.q}`
        : sql``;
  const rows =
    await sql<Row>`SELECT * FROM ${sql.table(table)} ${filter} ORDER BY updated_at DESC LIMIT ${where.limit}`.execute(
      db,
    );
  return rows.rows;
}

const testModule = (
  name: string,
  zohoApiName: string,
  fields: Array<{ apiName: string; lookup?: boolean }>,
) =>
  ({
    name,
    zohoApiName,
    fields: fields.map((field) => ({ label: field.apiName, personal: false, maxLength: 200, ...field })),
    moodleFunctions: [],
    testDelivery: { fields: [], hint: { field: 'Label', example: 'x' } },
    searchKeys: [],
    knownRecords: async () => new Map(),
  }) satisfies Partial<ZohoModule>;

const roomRecords: ModuleRecords<RoomRow> = {
  section: 'rooms',
  title: 'Rooms',
  findHelp: 'Zoho record id',
  searchHelp: 'Label or Zoho record id',
  find: (db, ref) => selectRows(db, 'test_rooms', { id: ref, column: 'label', limit: 1 }),
  search: (db, { q, limit }) => selectRows(db, 'test_rooms', { q, column: 'label', limit }),
  columns: [
    { header: 'Label', value: (room) => room.label, link: true, empty: '(no label)' },
    { header: 'Floor', value: (room) => room.floor, mono: true, opt: true, empty: '—' },
  ],
};

const visitRecords: ModuleRecords<VisitRow> = {
  section: 'visits',
  title: 'Visits',
  findHelp: 'Zoho record id',
  searchHelp: 'Visitor or Zoho record id',
  find: (db, ref) => selectRows(db, 'test_visits', { id: ref, column: 'visitor', limit: 1 }),
  search: (db, { q, limit }) => selectRows(db, 'test_visits', { q, column: 'visitor', limit }),
  columns: [
    { header: 'Visitor', value: (visit) => visit.visitor, link: true },
    { header: 'Status', value: (visit) => visit.status },
  ],
  detail: async (db, visit) => {
    const [room] = visit.room
      ? await selectRows<RoomRow>(db, 'test_rooms', { id: visit.room, column: 'label', limit: 1 })
      : [];
    return {
      facts: [
        {
          facts: [
            { label: 'Visitor', value: visit.visitor },
            { label: 'Status', value: visit.status },
          ],
        },
      ],
      related: [
        {
          title: 'Room',
          columns: ['Room', 'Floor'],
          rows: visit.room
            ? [
                {
                  cells: [room?.label ?? visit.room, room?.floor],
                  link: { section: 'rooms', recordId: visit.room },
                },
              ]
            : [],
        },
      ],
    };
  },
  relatedTo: async (module, db, recordId) => {
    if (module !== 'room') return [];
    const visits =
      await sql<VisitRow>`SELECT * FROM test_visits WHERE room = ${recordId} ORDER BY zoho_record_id`.execute(
        db,
      );
    return [
      {
        title: 'Visits',
        columns: ['Visitor', 'Status'],
        rows: visits.rows.map((visit) => ({
          cells: [visit.visitor, visit.status],
          link: { section: 'visits', recordId: visit.zoho_record_id },
        })),
      },
    ];
  },
};

const rooms: ZohoModule = {
  ...testModule('room', 'Test_Rooms', [{ apiName: 'Label' }, { apiName: 'Floor' }]),
  migrations: { '2099-01-01-0001-test-rooms': mirrorTable('test_rooms', ['label', 'floor']) },
  createHandler: () => mirrorHandler('test_rooms', ['label', 'floor']),
  records: roomRecords as ModuleRecords,
};

const visits: ZohoModule = {
  ...testModule('visit', 'Test_Visits', [
    { apiName: 'Visitor' },
    { apiName: 'Room', lookup: true },
    { apiName: 'Status' },
  ]),
  migrations: { '2099-01-01-0002-test-visits': mirrorTable('test_visits', ['visitor', 'room', 'status']) },
  createHandler: () => mirrorHandler('test_visits', ['visitor', 'room', 'status']),
  records: visitRecords as ModuleRecords,
};

let service: TestService;

async function post(module: string, form: Record<string, string>, operation = 'insert') {
  const response = await service.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/${module}?operation=${operation}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-webhook-token': TOKEN },
    payload: new URLSearchParams(form).toString(),
  });
  expect(response.statusCode).toBe(200);
}

const get = async (url: string) => {
  const response = await service.app.inject({ method: 'GET', url, headers: bearer });
  return { status: response.statusCode, body: response.body };
};

beforeAll(async () => {
  // The worker runs in this thread: modules defined in a test cannot be loaded by a worker thread.
  service = await startTestService(
    { ZOHO_WEBHOOK_TOKEN: TOKEN },
    { modules: [...MODULES, rooms, visits], threads: false },
  );
  await post('room', { id: 'R1', Label: 'Lab <1>', Floor: '2' });
  await post('room', { id: 'R2', Label: 'Hall' });
  await post('visit', { id: 'V1', Visitor: 'Ada', Room: 'R1', Status: 'Booked' });
  await post('visit', { id: 'V2', Visitor: 'Grace', 'Room.id': 'R1', Status: 'Cancelled' });
  await service.worker.drain();
  await post('room', { id: 'R2' }, 'delete');
  await service.worker.drain();
});

afterAll(async () => {
  await service.cleanup();
});

describe('the records of modules defined outside src/modules', () => {
  it('are listed and searched on /admin/<section> with their columns, a deleted one marked', async () => {
    const all = await get('/admin/rooms');
    expect(all.status).toBe(200);
    expect(all.body).toContain('<label>Label or Zoho record id<input name="q"');
    expect(all.body).toContain('<th>Label</th><th class="opt">Floor</th><th class="opt">Updated (UTC)</th>');
    expect(all.body).toContain(
      '<a href="/admin/rooms/R1"><bdi>Lab &lt;1&gt;</bdi></a></td><td class="mono opt">2</td>',
    );
    expect(all.body).toMatch(
      /<a href="\/admin\/rooms\/R2"><bdi>Hall<\/bdi><\/a> <span class="badge s-duplicate">deleted<\/span><\/td><td class="mono opt">—<\/td>/,
    );
    const searched = await get('/admin/rooms?q=hall');
    expect(searched.body).toContain('/admin/rooms/R2');
    expect(searched.body).not.toContain('/admin/rooms/R1');
    expect((await get('/admin/rooms?q=nothing')).body).toContain('No room matches.');
  });

  it('show a record with its facts, its own related records and those other modules list for it', async () => {
    const room = await get('/admin/rooms/R1');
    expect(room.status).toBe(200);
    expect(room.body).toContain('<h1>Lab &lt;1&gt;</h1>');
    expect(room.body).toContain('<h2>Visits</h2>');
    expect(room.body).toContain(
      '<a href="/admin/visits/V1"><bdi>Ada</bdi></a></td><td dir="auto">Booked</td>',
    );
    expect(room.body).toContain(
      '<a href="/admin/visits/V2"><bdi>Grace</bdi></a></td><td dir="auto">Cancelled</td>',
    );
    expect(room.body).toContain('Event history');
    expect(room.body).toContain('{&quot;mirrored&quot;:&quot;R1&quot;}');

    const visit = await get('/admin/visits/V2');
    expect(visit.body).toContain('<dt>Status</dt><dd dir="auto"><bdi>Cancelled</bdi></dd>');
    expect(visit.body).toContain('<h2>Room</h2>');
    expect(visit.body).toContain(
      '<a href="/admin/rooms/R1"><bdi>Lab &lt;1&gt;</bdi></a></td><td dir="auto">2</td>',
    );

    const missing = await get('/admin/visits/V404');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('No visit matches');
  });

  it('are served by the admin API under their section, and documented', async () => {
    const list = JSON.parse((await get('/api/v1/visits?q=ada')).body) as { visits: VisitRow[] };
    expect(list.visits.map((visit) => visit.zoho_record_id)).toEqual(['V1']);
    const one = JSON.parse((await get('/api/v1/rooms/R1')).body);
    expect(one.room).toMatchObject({ zoho_record_id: 'R1', label: 'Lab <1>', floor: '2' });
    expect(one.related).toEqual([
      {
        title: 'Visits',
        columns: ['Visitor', 'Status'],
        rows: [
          { cells: ['Ada', 'Booked'], link: { section: 'visits', recordId: 'V1' } },
          { cells: ['Grace', 'Cancelled'], link: { section: 'visits', recordId: 'V2' } },
        ],
      },
    ]);
    expect(one.events.map((event: { module: string }) => event.module)).toEqual(['Test_Rooms']);
    const missing = await service.app.inject({ method: 'GET', url: '/api/v1/rooms/R404', headers: bearer });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({
      error: 'room_not_found',
      message: 'No room matches "R404": give its Zoho record id.',
    });
    const doc = JSON.parse((await service.app.inject({ method: 'GET', url: '/docs/json' })).body);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/rooms',
        '/api/v1/rooms/{id}',
        '/api/v1/visits',
        '/api/v1/visits/{id}',
        '/api/v1/students',
        '/api/v1/teachers',
      ]),
    );
  });

  it('leave the navigation to the registry’s modules: students and teachers', async () => {
    const page = await get('/admin/events');
    expect(page.body).toContain('<a href="/admin/students">Students</a>');
    expect(page.body).toContain('<a href="/admin/teachers">Teachers</a>');
  });
});
