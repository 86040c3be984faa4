import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedEvent } from '../../src/db/schema.js';
import { MODULES } from '../../src/modules/index.js';
import type { RecordData, ZohoModule } from '../../src/modules/zoho-module.js';
import type { HandlerOutcome } from '../../src/worker/event-handler.js';
import { eventRow } from '../helpers/deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/**
 * A module with lookup fields that exists only in this file, as an enrollment names its student and its class:
 * deliveries go through a listening server, intake, the worker and its handler, which records the ids it got.
 */
const TOKEN = 'lookup-fields-token-0123456789';
const handled = new Map<string, RecordData>();

const seats: ZohoModule = {
  name: 'seat',
  zohoApiName: 'Test_Seats',
  fields: [
    { apiName: 'Label', label: 'Label', personal: false, maxLength: 100 },
    { apiName: 'Holder', label: 'Holder', personal: false, maxLength: 128, lookup: true },
    { apiName: 'Room', label: 'Room', personal: false, maxLength: 128, lookup: true },
  ],
  moodleFunctions: [],
  testDelivery: { fields: [], hint: { field: 'Label', example: 'x' } },
  searchKeys: [],
  knownRecords: async () => new Map(),
  createHandler:
    () =>
    async (event: ClaimedEvent): Promise<HandlerOutcome> => {
      handled.set(event.record_id, (JSON.parse(event.payload) as { data: RecordData }).data);
      return { result: { seat: event.record_id } };
    },
};

let service: TestService;
let base: string;

beforeAll(async () => {
  // The worker runs in this thread: a module defined in a test cannot be loaded by a worker thread.
  service = await startTestService(
    { ZOHO_WEBHOOK_TOKEN: TOKEN },
    { modules: [...MODULES, seats], threads: false },
  );
  base = await service.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await service.cleanup();
});

async function post(body: string, contentType: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/events/zoho/seat?operation=insert`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-webhook-token': TOKEN },
    body,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { event_id: string }).event_id;
}

describe('lookup fields of a module, over HTTP', () => {
  it('stores and hands the handler only the related record ids, however Zoho sent them', async () => {
    const custom = await post(
      JSON.stringify({
        notification_id: 'n-1',
        record_id: '4876876000000000001',
        operation: 'insert',
        data: {
          Label: 'custom',
          Holder: { id: '4876876000000123457', name: 'Lina Haddad' },
          Room: '4876876000000999001',
        },
      }),
      'application/json',
    );
    // A raw Zoho JSON template that writes the ids without quotes: 19 digits, beyond 2^53.
    const flat = await post(
      '{"id": 4876876000000000002, "Label": "flat", "Holder": 4876876000000123458, "Room": {"id": 4876876000000999002, "name": "Lab"}}',
      'application/json',
    );
    const form = await post(
      'id=4876876000000000003&Label=form&Holder.id=4876876000000123459&data%5BRoom%5D%5Bid%5D=4876876000000999003',
      'application/x-www-form-urlencoded',
    );
    const ignored = await post(
      JSON.stringify({
        id: '4876876000000000004',
        Label: 'ignored',
        Holder: [{ id: '5' }],
        Room: { name: 'Lab' },
      }),
      'application/json',
    );
    await service.worker.drain();

    expect(Object.fromEntries(handled)).toEqual({
      '4876876000000000001': { Label: 'custom', Holder: '4876876000000123457', Room: '4876876000000999001' },
      '4876876000000000002': { Label: 'flat', Holder: '4876876000000123458', Room: '4876876000000999002' },
      '4876876000000000003': { Label: 'form', Holder: '4876876000000123459', Room: '4876876000000999003' },
      '4876876000000000004': { Label: 'ignored' },
    });
    for (const eventId of [custom, flat, form]) {
      const row = await eventRow(service.database.db, eventId);
      expect(row).toMatchObject({ status: 'completed', warnings: null });
      expect(row.payload).not.toContain('Lina');
    }
    expect(JSON.parse((await eventRow(service.database.db, ignored)).warnings ?? '[]')).toEqual([
      "Field Holder was ignored: expected the related record's id, got an array.",
      'Field Room was ignored: a lookup object needs the related record\'s id, as Zoho sends it: {"id": "…", "name": "…"}.',
    ]);
  });
});
