import { afterEach, describe, expect, it } from 'vitest';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let service: TestService | undefined;
let moodle: FakeMoodle | undefined;
afterEach(async () => {
  await service?.cleanup();
  await moodle?.close();
  service = undefined;
  moodle = undefined;
});

const scrape = (s: TestService, token?: string) =>
  s.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe('GET /metrics', () => {
  it('needs a token: METRICS_TOKEN when set, else the admin token', async () => {
    service = await startTestService();
    expect((await scrape(service)).statusCode).toBe(401);
    expect((await scrape(service, 'wrong')).statusCode).toBe(401);
    expect((await scrape(service, TEST_ADMIN_TOKEN)).statusCode).toBe(200);
    await service.cleanup();
    service = await startTestService({ METRICS_TOKEN: 'scraper-token' });
    expect((await scrape(service, TEST_ADMIN_TOKEN)).statusCode).toBe(401);
    expect((await scrape(service, 'scraper-token')).statusCode).toBe(200);
  });

  it('counts deliveries by outcome and auth, attempts by outcome, Moodle calls, and reports the queue, without personal data', async () => {
    moodle = await startFakeMoodle();
    service = await startTestService({
      MOODLE_URL: moodle.url,
      MOODLE_TOKEN: moodle.token,
      ZOHO_WEBHOOK_TOKEN: 'tok',
    });
    const auth = { headers: { 'x-webhook-token': 'tok' } };
    const body = customStudentBody();
    await postStudent(service, body, auth);
    await postStudent(service, body, auth);
    await postStudent(service, customStudentBody({ data: { Academic_Email: 'nope' } }), auth);
    await postStudent(service, customStudentBody(), { headers: { 'x-webhook-token': 'bad' } });
    await postStudent(service, '{not json', auth);
    await service.worker.drain();
    const text = (await scrape(service, TEST_ADMIN_TOKEN)).body;
    expect(text).toContain(
      'mzi_webhook_deliveries_total{module="BTEC_Students",outcome="queued",auth="token"} 2',
    );
    expect(text).toContain(
      'mzi_webhook_deliveries_total{module="BTEC_Students",outcome="duplicate",auth="token"} 1',
    );
    expect(text).toContain(
      'mzi_webhook_deliveries_total{module="BTEC_Students",outcome="unauthorized",auth="failed"} 1',
    );
    expect(text).toContain(
      'mzi_webhook_deliveries_total{module="BTEC_Students",outcome="bad_request",auth="unknown"} 1',
    );
    expect(text).toMatch(/mzi_webhook_ingest_seconds_count 5/);
    expect(text).toContain(
      'mzi_event_attempts_total{module="BTEC_Students",outcome="completed",error_code=""} 1',
    );
    expect(text).toContain(
      'mzi_event_attempts_total{module="BTEC_Students",outcome="failed",error_code="validation.academic_email_invalid"} 1',
    );
    expect(text).toMatch(
      /mzi_moodle_calls_total\{function="core_user_create_users",outcome="ok",errorcode=""\} 1/,
    );
    expect(text).toContain('mzi_queue_depth{status="pending"} 0');
    expect(text).toContain('mzi_oldest_pending_age_seconds 0');
    expect(text).toContain('mzi_process_resident_memory_bytes');
    for (const pii of ['a01b3900c', 'Lina', 'nope', '+961', 'tok"', moodle.token])
      expect(text).not.toContain(pii);
  });
});
