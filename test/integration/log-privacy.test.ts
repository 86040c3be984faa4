import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import { customStudentBody, fixtureJson, fixtureText, postStudent } from '../helpers/deliveries.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/**
 * A full run at LOG_LEVEL=trace, then a search of every log line (and of stats and health) for the personal data
 * and secrets that went through it (issue 6; README "Reliability": logs never contain personal data or secrets).
 */

const TOKEN = 'log-privacy-token-6f1e0c2a9b8d7e4f';
const SECRET = 'log-privacy-secret-3c5a7e9b1d2f4a6c';
/** Credentials an attacker (or a Zoho webhook left on a rotated-out value) sends: secrets all the same. */
const WRONG_TOKEN = 'old-rotated-token-9a8b7c6d5e4f3a2b';
const WRONG_SECRET = 'old-rotated-secret-1f2e3d4c5b6a7980';
const ADMIN_TOKEN = 'log-privacy-admin-token-8e7d6c5b4a39';

const custom = fixtureJson<{ data: Record<string, string> }>('zoho/student-custom.json').data;
const unresolved = fixtureJson<{ data: Record<string, string> }>('zoho/student-custom-unresolved.json').data;
const form = Object.fromEntries(new URLSearchParams(fixtureText('zoho/student-form.txt')));

/** Every personal value of the fixtures, as sent (and, for form data, as percent-encoded on the wire). */
const PII: string[] = [
  custom.Academic_Email,
  custom.Name,
  custom.Phone,
  custom.Date_of_Birth,
  custom.Address,
  custom.Postal_Code,
  custom.Emergency_Contact_Name,
  custom.Emergency_Contact_Phone,
  custom.City,
  unresolved.Academic_Email,
  unresolved.Name,
  ...(unresolved.Name ?? '').split(' '),
  form.Academic_Email,
  form.Name,
  form.Phone,
  form.City,
  encodeURIComponent(custom.Academic_Email ?? ''),
  encodeURIComponent(custom.Name ?? ''),
  encodeURIComponent(form.Academic_Email ?? ''),
  encodeURIComponent(form.Phone ?? '').replace(/%20/g, '+'),
  // Values of the failing deliveries below.
  'not-an-email@@student.example.edu',
  'Yara Khoury',
  'yara.khoury@student.example.edu',
  'taken.email@student.example.edu',
].filter((value): value is string => typeof value === 'string' && value.length > 0);

let moodle: FakeMoodle;
let service: TestService;
let secrets: string[];

/** A value "appears" when it occurs as itself, not inside a longer number or word (e.g. "1103" in a timestamp). */
function findIn(text: string, values: string[]): string[] {
  return values.filter((value) => {
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(text);
  });
}

beforeAll(async () => {
  moodle = await startFakeMoodle();
  service = await startTestService({
    LOG_LEVEL: 'trace',
    ZOHO_WEBHOOK_TOKEN: TOKEN,
    ZOHO_WEBHOOK_SECRET: SECRET,
    ADMIN_TOKEN,
    MOODLE_URL: moodle.url,
    MOODLE_TOKEN: moodle.token,
    MOODLE_TIMEOUT: '1',
  });
  await service.moodleHealth.refresh();
  secrets = [TOKEN, SECRET, WRONG_TOKEN, WRONG_SECRET, ADMIN_TOKEN, moodle.token];
});
afterAll(async () => {
  await service?.cleanup();
  await moodle?.close();
});

const withToken = { headers: { 'x-webhook-token': TOKEN } };

/** Makes every pending retry due now and processes everything. */
async function processAll(): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    await service.worker.drain();
    await service.database.db
      .updateTable('integration_events_log')
      .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
      .where('status', '=', 'pending')
      .execute();
  }
  await service.worker.drain();
}

describe('logs, stats and health carry no personal data and no secrets', () => {
  it('after a full run with every kind of delivery, failure and Moodle call, at LOG_LEVEL=trace', async () => {
    const statuses: number[] = [];
    const send = async (body: string | object, options: Parameters<typeof postStudent>[2]) => {
      const reply = await postStudent(service, body, options);
      statuses.push(reply.status);
      return reply;
    };

    // The three fixtures: custom JSON with the token in a header, form data signed (with a timestamp), and the
    // unresolved template with the token in the query string.
    await send(fixtureText('zoho/student-custom.json'), withToken);
    const formBody = fixtureText('zoho/student-form.txt');
    await send(formBody, {
      contentType: 'application/x-www-form-urlencoded',
      query: 'operation=insert',
      headers: sign(formBody, SECRET, { timestamp: Math.floor(Date.now() / 1000) }),
    });
    await send(fixtureText('zoho/student-custom-unresolved.json'), {
      query: `operation=insert&token=${TOKEN}`,
    });
    // A Zoho webhook configured to append record fields to the URL (mzi reads none of them, but logs the URL).
    await send(fixtureText('zoho/student-custom.json'), {
      ...withToken,
      query: `operation=update&Academic_Email=${encodeURIComponent(custom.Academic_Email ?? '')}&Name=${encodeURIComponent(custom.Name ?? '')}`,
    });
    await processAll();

    // An update, a delete (Moodle suspends), a re-delivery (duplicate).
    const update = customStudentBody({
      recordId: '5725767000001234567',
      operation: 'update',
      data: { City: custom.City, Phone: custom.Phone },
    });
    await send(update, withToken);
    await send(update, withToken);
    await send(
      customStudentBody({ recordId: '5725767000001234568', operation: 'delete', data: { ...form } }),
      withToken,
    );

    // Failures: a bad email, a Student_ID_Number already used by another record, a Moodle_User_ID Moodle does
    // not know, an email Moodle already has on another account, and Moodle down for a while.
    await send(
      customStudentBody({
        data: { Academic_Email: 'not-an-email@@student.example.edu', Name: 'Yara Khoury' },
      }),
      withToken,
    );
    await send(
      customStudentBody({
        data: {
          Student_ID_Number: custom.Student_ID_Number,
          Academic_Email: 'yara.khoury@student.example.edu',
        },
      }),
      withToken,
    );
    await send(customStudentBody({ data: { Moodle_User_ID: '987654', Student_ID_Number: 'B1' } }), withToken);
    moodle.addUser({ username: 'someone', email: 'taken.email@student.example.edu' });
    moodle.addUser({ username: 'b2', email: 'b2@student.example.edu', idnumber: 'B2' });
    await send(
      customStudentBody({
        data: { Student_ID_Number: 'B2', Academic_Email: 'taken.email@student.example.edu' },
      }),
      withToken,
    );
    await processAll();
    moodle.failNext(2, 'network');
    await send(customStudentBody({ data: { Student_ID_Number: 'B3' } }), withToken);
    await processAll();

    // Authentication failures with credentials in every place a sender puts them.
    const body = JSON.stringify(customStudentBody());
    await send(body, { headers: { 'x-webhook-token': WRONG_TOKEN } });
    await send(body, { query: `token=${WRONG_TOKEN}` });
    await send(body, { headers: sign(body, WRONG_SECRET) });
    await send(body, { headers: { ...sign(body, SECRET, { timestamp: 1 }) } });
    await send(body, { headers: { authorization: `Bearer ${WRONG_TOKEN}` } });
    await send(body, {});
    // Bad bodies that carry personal data.
    await send(`{"record_id": "1", "data": {"Name": "${custom.Name}", `, withToken);
    await send(`${custom.Academic_Email}`, { ...withToken, contentType: 'application/xml' });

    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 401)).toHaveLength(6);

    const events = await service.database.db
      .selectFrom('integration_events_log')
      .select(['status', 'error_code', 'result'])
      .execute();
    // The run did what it claims: students reached Moodle, and each kind of failure happened.
    expect(moodle.requests.some((r) => r.wsfunction === 'core_user_create_users')).toBe(true);
    expect(moodle.requests.some((r) => r.failure === 'network')).toBe(true);
    const codes = events.map((e) => e.error_code);
    expect(events.filter((e) => e.status === 'completed').length).toBeGreaterThanOrEqual(4);
    expect(events.some((e) => e.status === 'duplicate')).toBe(true);
    expect(codes.filter((c) => c !== null).length).toBeGreaterThanOrEqual(4);

    const logs = service.logs();
    // trace really was on: debug request lines and worker lines are there.
    expect(service.logger.level).toBe('trace');
    expect(logs).toContain('"level":20');
    expect(logs).toContain('delivery stored');
    expect(logs).toContain('event processed');
    expect(logs).toContain('authentication failed');
    expect(logs.split('\n').length).toBeGreaterThan(40);

    expect(findIn(logs, PII), 'personal data in the logs').toEqual([]);
    expect(findIn(logs, secrets), 'secrets in the logs').toEqual([]);

    for (const url of ['/api/v1/events/stats', '/api/v1/events/health']) {
      const response = await service.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(findIn(response.body, PII), `personal data in ${url}`).toEqual([]);
      expect(findIn(response.body, secrets), `secrets in ${url}`).toEqual([]);
    }
    // The stats reading above is logged too.
    expect(findIn(service.logs(), [...PII, ...secrets])).toEqual([]);
  }, 60_000);
});

describe('logged URLs and request ids carry no personal data', () => {
  const email = 'rana.saad@student.example.edu';
  const studentId = 'BTEC-770011';
  const recordId = '5725767000009876543';
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

  /** Runs `send`, then returns the log lines it added. */
  async function logsOf(send: () => Promise<unknown>): Promise<string> {
    const before = service.logs().length;
    await send();
    return service.logs().slice(before);
  }
  const get = (url: string, headers: Record<string, string> = bearer) =>
    service.app.inject({ method: 'GET', url, headers });

  for (const [name, url, logged] of [
    ['a student by email, admin API', `/api/v1/students/${email}`, '/api/v1/students/[redacted]'],
    [
      'a student by encoded email, admin API',
      `/api/v1/students/${encodeURIComponent(email)}`,
      '/api/v1/students/[redacted]',
    ],
    ['a student by Student ID, admin API', `/api/v1/students/${studentId}`, '/api/v1/students/[redacted]'],
    ['a student by record id, admin API', `/api/v1/students/${recordId}`, '/api/v1/students/[redacted]'],
    ['a student by email, dashboard', `/admin/students/${email}`, '/admin/students/[redacted]'],
    ['a student by Student ID, dashboard', `/admin/students/${studentId}`, '/admin/students/[redacted]'],
    ['an event looked up by email, admin API', `/api/v1/events/${email}`, '/api/v1/events/[redacted]'],
    ['an event looked up by record id, dashboard', `/admin/events/${recordId}`, '/admin/events/[redacted]'],
    ['an email in a mistyped path', `/api/v1/student/${email}/events`, '/api/v1/student/[redacted]/events'],
  ] as const) {
    it(`redacts the path: ${name}`, async () => {
      const lines = await logsOf(() => get(url));
      expect(lines).toContain(`"url":"${logged}"`);
      expect(findIn(lines, [email, encodeURIComponent(email), studentId, recordId])).toEqual([]);
    });
  }

  it('keeps event ids and route words in paths', async () => {
    const eventId = '01939b2e-7a4c-7d2e-9f00-1234567890ab';
    const lines = await logsOf(async () => {
      await get(`/api/v1/events/${eventId}`);
      await get('/admin/events/42');
      await get('/api/v1/events/stats');
    });
    expect(lines).toContain(`"url":"/api/v1/events/${eventId}"`);
    expect(lines).toContain('"url":"/admin/events/42"');
    expect(lines).toContain('"url":"/api/v1/events/stats"');
  });

  for (const [parameter, url] of [
    ['record_id', `/api/v1/events?record_id=${recordId}`],
    ['record_id (dashboard)', `/admin/events?record_id=${encodeURIComponent(email)}`],
    ['record', `/api/v1/events?record=${encodeURIComponent(email)}`],
    ['student', `/api/v1/events?student=${encodeURIComponent(email)}`],
    ['q', `/api/v1/students?q=${encodeURIComponent(email)}`],
    ['q (dashboard)', `/admin/students?q=${studentId}`],
    ['email', `/admin/students?email=${encodeURIComponent(email)}`],
  ] as const) {
    it(`redacts the query parameter ${parameter}`, async () => {
      const lines = await logsOf(() => get(url));
      expect(lines).toContain('=[redacted]');
      expect(findIn(lines, [email, encodeURIComponent(email), studentId, recordId])).toEqual([]);
    });
  }

  it('logs a short, plain X-Request-Id as the request id', async () => {
    const lines = await logsOf(() => get('/api/v1/events/stats', { 'x-request-id': 'lb-7f3a.2:e_1' }));
    expect(lines).toContain('"reqId":"lb-7f3a.2:e_1"');
  });

  for (const [name, given] of [
    ['15 kB long', `x${'0123456789abcdef'.repeat(960)}`],
    ['with control characters', 'id\twith\ttabs\u001b[31m'],
    ['with quotes and braces', '{"reqId":"forged"}'],
    ['that is an email address', email],
  ] as const) {
    it(`replaces an X-Request-Id ${name} with a generated one`, async () => {
      const lines = await logsOf(() => get('/api/v1/events/stats', { 'x-request-id': given }));
      const ids = [...lines.matchAll(/"reqId":"([^"]*)"/g)].map((match) => match[1]);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines).not.toContain(JSON.stringify(given).slice(1, -1));
      expect(lines.length).toBeLessThan(2000);
    });
  }
});
