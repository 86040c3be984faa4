import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/index.js';
import type { ZohoModule } from '../../src/modules/zoho-module.js';
import { customStudentBody, eventRow, postStudent } from '../helpers/deliveries.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

/** A module of this file only, whose one search key is a parcel code found in any case. */
const parcels: ZohoModule = {
  name: 'parcel',
  zohoApiName: 'Test_Parcels',
  fields: [{ apiName: 'Code', label: 'Code', personal: false, maxLength: 40 }],
  moodleFunctions: [],
  testDelivery: { fields: [], hint: { field: 'Code', example: 'PX-1' } },
  searchKeys: [
    {
      name: 'parcel_code',
      read: (data) => data.Code?.toUpperCase(),
      match: (term) => (/^px-/i.test(term) ? term.toUpperCase() : undefined),
    },
  ],
  knownRecords: async () => new Map(),
  createHandler: () => async () => ({ result: {} }),
};

let service: TestService;

beforeEach(async () => {
  service = await startTestService({}, { modules: [...MODULES, parcels], threads: false });
});

afterEach(async () => {
  await service.cleanup();
});

async function eventIds(path: string): Promise<string[]> {
  const response = await service.app.inject({
    method: 'GET',
    url: path,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  expect(response.statusCode).toBe(200);
  return (response.json() as { events: { event_id: string }[] }).events.map((event) => event.event_id);
}

describe('searching events by a record’s keys', () => {
  it('shows an event’s keys under its module’s names in the admin API, as before the columns were generic', async () => {
    const posted = await postStudent(
      service,
      customStudentBody({
        data: { Academic_Email: 'Named.Keys@Student.Example.edu', Student_ID_Number: 'NK-7' },
      }),
    );
    const id = String(posted.body.event_id);
    const get = async (path: string) =>
      (
        await service.app.inject({
          method: 'GET',
          url: path,
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
        })
      ).json() as Record<string, unknown>;
    const keys = { academic_email: 'named.keys@student.example.edu', student_id_number: 'NK-7' };

    const listed = ((await get('/api/v1/events')).events as Record<string, unknown>[])[0];
    const detail = (await get(`/api/v1/events/${id}`)).event as Record<string, unknown>;
    for (const event of [listed, detail]) {
      expect(event).toMatchObject({ event_id: id, ...keys });
      expect(Object.keys(event ?? {})).not.toContain('search_key_1');
      expect(Object.keys(event ?? {})).not.toContain('search_key_2');
    }
  });

  it('finds a student’s events by email in any case or by the exact Student ID', async () => {
    const posted = await postStudent(
      service,
      customStudentBody({
        data: { Academic_Email: 'Key.Search@Student.Example.edu', Student_ID_Number: 'KS-0042' },
      }),
    );
    await postStudent(service, customStudentBody({ data: { Academic_Email: 'other@student.example.edu' } }));
    const id = String(posted.body.event_id);
    const row = await eventRow(service.database.db, id);
    expect(row).toMatchObject({ search_key_1: 'key.search@student.example.edu', search_key_2: 'KS-0042' });

    expect(await eventIds('/api/v1/events?student=KEY.SEARCH%40student.example.EDU')).toEqual([id]);
    expect(await eventIds('/api/v1/events?student=KS-0042')).toEqual([id]);
    expect(await eventIds('/api/v1/events?student=ks-0042')).toEqual([]);
  });

  it('finds the events of any module by the keys it declares, on the dashboard', async () => {
    const response = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/parcel?operation=insert',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'id=8801&Code=px-77',
    });
    const id = (response.json() as { event_id: string }).event_id;
    expect(await eventRow(service.database.db, id)).toMatchObject({
      search_key_1: 'PX-77',
      search_key_2: null,
    });
    const login = await service.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${TEST_ADMIN_TOKEN}`,
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const page = await service.app.inject({
      method: 'GET',
      url: '/admin/events?student=Px-77',
      headers: { cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(id.slice(-8));
    const none = await service.app.inject({
      method: 'GET',
      url: '/admin/events?student=px-78',
      headers: { cookie },
    });
    expect(none.body).not.toContain(id.slice(-8));
  });
});
