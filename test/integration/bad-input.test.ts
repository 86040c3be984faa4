import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromZoho, MODULES } from '../../src/modules/index.js';
import { fixtureText, postStudent } from '../helpers/deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ BODY_LIMIT: '4096' }, { threads: false });
});
afterAll(async () => {
  await service.cleanup();
});

describe('bad input gets a clear 4xx JSON error, never a 5xx', () => {
  it.each([
    ['invalid JSON', '{"record_id": "1",', 'application/json', 400, 'invalid_json'],
    ['a JSON array', '[1, 2]', 'application/json', 400, 'body_not_object'],
    ['a JSON string', '"hello"', 'application/json', 400, 'body_not_object'],
    ['JSON null', 'null', 'application/json', 400, 'body_not_object'],
    ['an empty body', '', 'application/json', 400, 'empty_body'],
    [
      'no record id',
      '{"operation": "insert", "data": {"Academic_Email": "a@b.edu"}}',
      'application/json',
      400,
      'missing_record_id',
    ],
    [
      'an unresolved record id',
      '{"record_id": "${CRMID}", "data": {}}',
      'application/json',
      400,
      'missing_record_id',
    ],
    [
      'a record id with spaces',
      '{"record_id": "1 2", "data": {}}',
      'application/json',
      400,
      'invalid_record_id',
    ],
    [
      'a form without id',
      'Academic_Email=a%40b.edu',
      'application/x-www-form-urlencoded',
      400,
      'missing_record_id',
    ],
    ['XML', '<record><id>1</id></record>', 'application/xml', 415, 'unsupported_media_type'],
    ['multipart', '--x\r\n\r\n--x--', 'multipart/form-data; boundary=x', 415, 'unsupported_media_type'],
    [
      'a Notifications API callback',
      fixtureText('zoho/notification.json'),
      'application/json',
      400,
      'notification_not_supported',
    ],
  ])('rejects %s', async (_name, body, contentType, status, code) => {
    const reply = await postStudent(service, body, { contentType });
    expect(reply.status).toBe(status);
    expect(reply.body.error).toBe(code);
    expect(typeof reply.body.message).toBe('string');
    expect((reply.body.message as string).length).toBeGreaterThan(10);
  });

  it('rejects a body over the limit with 413', async () => {
    const reply = await postStudent(service, JSON.stringify({ record_id: '1', pad: 'x'.repeat(5000) }));
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ error: 'payload_too_large' });
  });

  it('rejects invalid UTF-8 with 400', async () => {
    const response = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/student',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_encoding' });
  });

  it('reads a body sent without a content type or as text/plain', async () => {
    const none = await postStudent(
      service,
      '{"record_id": "801", "operation": "insert", "data": {"Academic_Email": "n@b.edu"}}',
      {
        contentType: '',
      },
    );
    expect(none.status).toBe(200);
    const text = await postStudent(service, 'id=802&Academic_Email=t%40b.edu', { contentType: 'text/plain' });
    expect(text.status).toBe(200);
  });

  it('does not let prototype-pollution keys reach anything', async () => {
    const reply = await postStudent(
      service,
      '{"record_id": "803", "__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "data": {"__proto__": {"y": 1}, "Academic_Email": "p@b.edu"}}',
    );
    expect(reply.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await service.worker.drain();
  });

  it('answers 404 with the valid webhook URLs for a wrong path', async () => {
    for (const url of ['/events/zoho/student', '/api/v1/events/zoho/students', '/']) {
      const response = await service.app.inject({
        method: 'POST',
        url,
        payload: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(404);
      const body = response.json();
      expect(body.error).toBe('not_found');
      // Every module's URL, the students' among them.
      const paths = (body.webhook_urls as string[]).map((webhook) => new URL(webhook).pathname);
      expect(paths).toEqual(fromZoho(MODULES).map((module) => `/api/v1/events/zoho/${module.name}`));
      expect(paths).toContain('/api/v1/events/zoho/student');
    }
  });

  it('answers 404 JSON for GET on the webhook path (wrong method)', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/api/v1/events/zoho/student' });
    expect(response.statusCode).toBe(404);
    expect(response.json().webhook_urls).toBeDefined();
  });

  it('refuses a compressed body with 415 naming the encoding, and two different operations with 400', async () => {
    const compressed = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/student?operation=insert',
      payload: gzipSync('{"record_id": "811", "data": {"Academic_Email": "g@b.edu"}}'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(compressed.statusCode).toBe(415);
    expect(compressed.json()).toMatchObject({
      error: 'unsupported_content_encoding',
      message: expect.stringContaining('gzip'),
    });
    const twice = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/student?operation=insert&operation=delete',
      payload: '{"record_id": "812", "data": {"Academic_Email": "o@b.edu"}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error).toBe('conflicting_operation');
    const same = await postStudent(service, '{"record_id": "813", "data": {"Academic_Email": "s@b.edu"}}', {
      query: 'operation=insert&operation=insert',
    });
    expect(same.status).toBe(200);
  });

  it('stays healthy after all of this', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/api/v1/events/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json().status).toBe('healthy');
  });
});
