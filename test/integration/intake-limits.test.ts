import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStudent } from '../helpers/deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/** Each intake limit answers a 4xx JSON error that names the limit's setting and value (issue 6). */
let service: TestService;
beforeAll(async () => {
  service = await startTestService(
    {
      BODY_LIMIT: '4096',
      MAX_FIELDS: '25',
      MAX_FIELD_LENGTH: '200',
      MAX_JSON_DEPTH: '5',
    },
    { threads: false },
  );
});
afterAll(async () => {
  await service.cleanup();
});

const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

describe('intake limits through the webhook', () => {
  it.each([
    [
      'a body over BODY_LIMIT',
      { record_id: '1', pad: 'x'.repeat(5000) },
      413,
      'payload_too_large',
      'BODY_LIMIT',
      4096,
    ],
    [
      'a JSON body with too many keys',
      { record_id: '1', ...keys(25) },
      400,
      'too_many_fields',
      'MAX_FIELDS',
      25,
    ],
    [
      'a data object with too many keys',
      { record_id: '1', data: keys(26) },
      400,
      'too_many_fields',
      'MAX_FIELDS',
      25,
    ],
    [
      'a field over MAX_FIELD_LENGTH',
      { record_id: '1', data: { Address: 'x'.repeat(201) } },
      400,
      'field_too_long',
      'MAX_FIELD_LENGTH',
      200,
    ],
    [
      'JSON nested deeper than MAX_JSON_DEPTH',
      { record_id: '1', data: { Name: [[[[1]]]] } },
      400,
      'json_too_deep',
      'MAX_JSON_DEPTH',
      5,
    ],
  ])('refuses %s, naming the setting and its value', async (_name, body, status, code, setting, limit) => {
    const reply = await postStudent(service, body);
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ error: code, setting, limit });
    expect(reply.body.message).toContain(setting);
    expect(reply.body.message).toContain(String(limit));
    const stored = await service.database.db.selectFrom('integration_events_log').select('id').execute();
    expect(stored).toEqual([]);
  });

  it('refuses a form with more parameters than MAX_FIELDS, repeated ones counted', async () => {
    const form = `id=7&${Array.from({ length: 25 }, () => 'City=x').join('&')}`;
    const reply = await postStudent(service, form, { contentType: 'application/x-www-form-urlencoded' });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: 'too_many_fields', setting: 'MAX_FIELDS', limit: 25 });
  });

  it('accepts a delivery right at every limit', async () => {
    const data = { ...keys(20), Academic_Email: 'at.limit@student.example.edu', Address: 'x'.repeat(200) };
    const reply = await postStudent(service, {
      record_id: '5725767000000777001',
      operation: 'insert',
      data: { ...data, City: [[['deep', 'but', 'allowed']]] },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ success: true, status: 'queued' });
  });
});
