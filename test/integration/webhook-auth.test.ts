import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService | undefined;
afterEach(async () => {
  await service?.cleanup();
  service = undefined;
});

async function eventCount(s: TestService) {
  const row = await s.database.db
    .selectFrom('integration_events_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('webhook authentication with ZOHO_WEBHOOK_SECRET (HMAC)', () => {
  const secret = 'test-secret-1';

  it('accepts a hex HMAC-SHA256 of the raw body, bare or as sha256=<hex>', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_SECRET: secret }, { threads: false });
    const body = JSON.stringify(customStudentBody());
    const prefixed = sign(body, secret)['x-zoho-signature'] as string;
    const bare = prefixed.replace('sha256=', '');
    expect((await postStudent(service, body, { headers: { 'x-zoho-signature': prefixed } })).status).toBe(
      200,
    );
    const other = JSON.stringify(customStudentBody());
    const bareOther = (sign(other, secret)['x-zoho-signature'] as string).replace('sha256=', '');
    expect(bare).toMatch(/^[0-9a-f]{64}$/);
    expect((await postStudent(service, other, { headers: { 'x-zoho-signature': bareOther } })).status).toBe(
      200,
    );
  });

  it("accepts a base64 HMAC-SHA256, as Deluge's zoho.encryption.hmacsha256 answers by default", async () => {
    service = await startTestService({ ZOHO_WEBHOOK_SECRET: secret }, { threads: false });
    const body = JSON.stringify(customStudentBody());
    const base64 = createHmac('sha256', secret).update(body).digest('base64');
    const accepted = await postStudent(service, body, { headers: { 'x-zoho-signature': base64 } });
    expect(accepted.status).toBe(200);
    const other = JSON.stringify(customStudentBody());
    const wrong = createHmac('sha256', 'another-secret').update(other).digest('base64');
    const refused = await postStudent(service, other, { headers: { 'x-zoho-signature': wrong } });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'unauthorized', reason: 'invalid_signature' });
    expect(refused.body.message).toContain('in hex or base64');
    expect(await eventCount(service)).toBe(1);
  });

  it('answers 401 JSON and stores nothing for a missing or wrong signature', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_SECRET: secret }, { threads: false });
    const body = JSON.stringify(customStudentBody());
    const missing = await postStudent(service, body);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: 'unauthorized', reason: 'missing_credentials' });
    expect(missing.body.message).toContain('X-Zoho-Signature');

    const wrong = await postStudent(service, body, { headers: sign(body, 'another-secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'unauthorized', reason: 'invalid_signature' });
    expect(JSON.stringify(wrong.body)).not.toContain(secret);

    const tampered = await postStudent(service, body.replace('Beirut', 'Paris'), {
      headers: sign(body, secret),
    });
    expect(tampered.status).toBe(401);
    expect(await eventCount(service)).toBe(0);
  });

  it('accepts any of several comma-separated secrets (rotation)', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_SECRET: 'old-secret, new-secret' }, { threads: false });
    const body = JSON.stringify(customStudentBody());
    expect((await postStudent(service, body, { headers: sign(body, 'old-secret') })).status).toBe(200);
    const body2 = JSON.stringify(customStudentBody());
    expect((await postStudent(service, body2, { headers: sign(body2, 'new-secret') })).status).toBe(200);
  });

  it('checks a timestamped signature and refuses one outside the tolerance', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_SECRET: secret }, { threads: false });
    const body = JSON.stringify(customStudentBody());
    const now = Math.floor(Date.now() / 1000);
    expect(
      (await postStudent(service, body, { headers: sign(body, secret, { timestamp: now }) })).status,
    ).toBe(200);
    const old = JSON.stringify(customStudentBody());
    const stale = await postStudent(service, old, { headers: sign(old, secret, { timestamp: now - 3600 }) });
    expect(stale.status).toBe(401);
    expect(stale.body.reason).toBe('stale_timestamp');
  });
});

describe('webhook authentication with ZOHO_WEBHOOK_TOKEN', () => {
  const token = 'static-token-123';

  it('accepts the token in X-Webhook-Token or ?token=', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_TOKEN: token }, { threads: false });
    expect(
      (await postStudent(service, customStudentBody(), { headers: { 'x-webhook-token': token } })).status,
    ).toBe(200);
    expect(
      (await postStudent(service, customStudentBody(), { query: `operation=insert&token=${token}` })).status,
    ).toBe(200);
  });

  it('refuses a wrong or missing token with 401 and stores nothing', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_TOKEN: token }, { threads: false });
    const wrong = await postStudent(service, customStudentBody(), { headers: { 'x-webhook-token': 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.reason).toBe('invalid_token');
    const missing = await postStudent(service, customStudentBody());
    expect(missing.status).toBe(401);
    expect(await eventCount(service)).toBe(0);
  });

  it('stores the request headers with the token redacted', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_TOKEN: token }, { threads: false });
    const reply = await postStudent(service, customStudentBody(), { headers: { 'x-webhook-token': token } });
    const row = await service.database.db
      .selectFrom('integration_events_log')
      .select('headers')
      .where('event_id', '=', reply.body.event_id as string)
      .executeTakeFirstOrThrow();
    expect(row.headers).not.toContain(token);
    expect(JSON.parse(row.headers ?? '{}')['x-webhook-token']).toBe('[redacted]');
  });

  it('stores the request line with the query token redacted, the auth method and the answer given', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_TOKEN: token }, { threads: false });
    const reply = await postStudent(
      service,
      customStudentBody({ data: { Academic_Email: 'Mixed.Case@Student.Example.edu' } }),
      {
        query: `operation=insert&token=${token}`,
      },
    );
    const row = await service.database.db
      .selectFrom('integration_events_log')
      .selectAll()
      .where('event_id', '=', reply.body.event_id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      request_method: 'POST',
      request_url: '/api/v1/events/zoho/student?operation=insert&token=[redacted]',
      auth_method: 'token',
      response_status: 200,
      search_key_1: 'mixed.case@student.example.edu',
      search_key_2: 'A01B3900C',
    });
    expect(JSON.parse(row.response_body ?? '{}')).toEqual(reply.body);
    expect(row.stored_ms).toBeGreaterThanOrEqual(0);
    expect(row.received_at).toMatch(/^\d{4}-/);
  });

  it('never writes the token or the student data to the logs', async () => {
    service = await startTestService({ ZOHO_WEBHOOK_TOKEN: token, LOG_LEVEL: 'trace' }, { threads: false });
    await postStudent(service, customStudentBody(), { query: `token=${token}` });
    await postStudent(service, customStudentBody({ data: { Academic_Email: 'broken' } }), {
      headers: { 'x-webhook-token': token },
    });
    await service.worker.drain();
    const logs = service.logs();
    expect(logs).toContain('delivery stored');
    for (const secretOrPii of [
      token,
      'a01b3900c@student.example.edu',
      'Lina Haddad',
      '+961 71 234 567',
      'Hamra Street',
      'broken"',
    ]) {
      expect(logs).not.toContain(secretOrPii);
    }
  });
});

describe('webhook authentication disabled', () => {
  it('accepts unauthenticated deliveries and warns loudly at start', async () => {
    service = await startTestService({}, { threads: false });
    expect((await postStudent(service, customStudentBody())).status).toBe(200);
    expect(service.logs()).toContain('WEBHOOK AUTHENTICATION IS OFF');
  });
});
