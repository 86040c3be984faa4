import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { runMzi } from '../helpers/mzi-process.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService({}, { threads: false });
});
afterEach(async () => {
  await service.cleanup();
});

const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

async function login(s: TestService, token = TEST_ADMIN_TOKEN) {
  const response = await s.app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token, next: '/admin/events' }).toString(),
  });
  const cookie = response.cookies.find((c) => c.name === 'mzi_admin');
  return { response, cookie: cookie ? `${cookie.name}=${cookie.value}` : undefined, raw: cookie };
}

async function seed(s: TestService) {
  const ok = await postStudent(
    s,
    customStudentBody({
      recordId: '7700001',
      data: { Student_ID_Number: 'AD-1', Academic_Email: 'Ada.Admin@student.example.edu' },
    }),
  );
  await postStudent(
    s,
    customStudentBody({
      recordId: '7700001',
      operation: 'update',
      data: { Student_ID_Number: 'AD-1', Academic_Email: 'Ada.Admin@student.example.edu', City: 'Sidon' },
    }),
  );
  const bad = await postStudent(
    s,
    customStudentBody({ recordId: '7700002', data: { Academic_Email: 'broken' } }),
  );
  await s.worker.drain();
  return { ok: ok.body.event_id as string, bad: bad.body.event_id as string };
}

describe('admin access', () => {
  it('refuses every admin page and API without the token', async () => {
    const { ok } = await seed(service);
    for (const url of [
      '/admin',
      '/admin/events',
      `/admin/events/${ok}`,
      '/admin/students',
      '/admin/students/7700001',
      '/admin/setup',
      '/admin/events/retry?status=failed',
    ]) {
      const response = await service.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(303);
      expect(response.headers.location).toMatch(/^\/admin\/login\?next=/);
    }
    for (const [method, url] of [
      ['GET', '/api/v1/events'],
      ['GET', `/api/v1/events/${ok}`],
      ['POST', `/api/v1/events/${ok}/retry`],
      ['POST', '/api/v1/events/retry'],
      ['GET', '/api/v1/students'],
      ['GET', '/api/v1/students/7700001'],
    ] as const) {
      const response = await service.app.inject({ method, url });
      expect(response.statusCode, url).toBe(401);
      expect(response.json().error).toBe('unauthorized');
      const wrong = await service.app.inject({ method, url, headers: { authorization: 'Bearer nope' } });
      expect(wrong.statusCode, url).toBe(401);
    }
    for (const [method, url] of [
      ['POST', `/admin/events/${ok}/retry`],
      ['POST', '/admin/events/retry'],
      ['POST', '/admin/setup/test-delivery'],
    ] as const) {
      const response = await service.app.inject({
        method,
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      expect(response.statusCode, url).toBe(303);
    }
  });

  it('signs in with the token into an HttpOnly SameSite session, and out again', async () => {
    const wrong = await login(service, 'not-the-token');
    expect(wrong.response.statusCode).toBe(303);
    expect(wrong.response.headers.location).toContain('flash=login-failed');
    expect(wrong.cookie).toBeUndefined();

    const { response, cookie, raw } = await login(service);
    expect(response.headers.location).toBe('/admin/events');
    expect(raw).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const page = await service.app.inject({
      method: 'GET',
      url: '/admin',
      headers: { cookie: cookie as string },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    // Under no-referrer a browser posts forms with `Origin: null`, which the origin check refuses.
    expect(page.headers['referrer-policy']).toBe('same-origin');

    const out = await service.app.inject({ method: 'POST', url: '/admin/logout' });
    expect(out.statusCode).toBe(303);
    expect(out.cookies.find((c) => c.name === 'mzi_admin')?.value).toBe('');
    const forged = await service.app.inject({
      method: 'GET',
      url: '/admin',
      headers: { cookie: 'mzi_admin=9999999999.x.y' },
    });
    expect(forged.statusCode).toBe(303);
  });

  it('ends a session on logout: a saved cookie opens nothing afterwards, in this process or another', async () => {
    const other = await startTestService({ DATABASE_URL: service.config.databaseUrl }, { threads: false });
    const rotated = await startTestService(
      {
        DATABASE_URL: service.config.databaseUrl,
        ADMIN_TOKEN: 'another-admin-token-9876543210',
      },
      { threads: false },
    );
    try {
      const { cookie } = await login(service);
      const saved = { cookie: cookie as string };
      const page = (s: TestService) => s.app.inject({ method: 'GET', url: '/admin', headers: saved });
      const api = (s: TestService) => s.app.inject({ method: 'GET', url: '/api/v1/events', headers: saved });
      expect((await page(service)).statusCode).toBe(200);
      expect((await page(other)).statusCode).toBe(200);
      expect((await api(other)).statusCode).toBe(200);
      // Another admin token ends every session.
      expect((await page(rotated)).statusCode).toBe(303);

      const out = await other.app.inject({ method: 'POST', url: '/admin/logout', headers: saved });
      expect(out.statusCode).toBe(303);
      for (const s of [service, other]) {
        const after = await page(s);
        expect(after.statusCode).toBe(303);
        expect(after.headers.location).toBe('/admin/login?next=%2Fadmin');
        expect((await api(s)).statusCode).toBe(401);
      }
    } finally {
      await other.cleanup();
      await rotated.cleanup();
    }
  });

  it('stores only a keyed hash of each session id, and forgets expired sessions at the next sign-in', async () => {
    const db = service.database.db;
    await db
      .insertInto('admin_sessions')
      .values({
        id_hash: 'f'.repeat(64),
        created_at: '2026-01-01T00:00:00.000Z',
        expires_at: '2026-01-01T12:00:00.000Z',
      })
      .execute();
    const { raw } = await login(service);
    const id = raw?.value as string;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await db.selectFrom('admin_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(id);
    expect(stored).not.toContain(createHash('sha256').update(id).digest('hex'));
    expect(Date.parse(rows[0]?.expires_at as string) - Date.parse(rows[0]?.created_at as string)).toBe(
      12 * 3600 * 1000,
    );
    expect(raw?.maxAge).toBe(12 * 3600);
  });

  it('rate-limits wrong sign-in attempts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await login(service, `guess-${i}`)).response.statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const locked = await login(service);
    expect(locked.response.statusCode).toBe(429);
    expect(locked.response.json().error).toBe('too_many_failed_attempts');
    expect(locked.cookie).toBeUndefined();
  });

  it('answers 429 with Retry-After to an address after 10 wrong Bearer tokens, on the admin API, /metrics and the dashboard', async () => {
    const surfaces = [
      { url: '/api/v1/events', wrong: 401, right: 200 },
      { url: '/metrics', wrong: 401, right: 200 },
      { url: '/admin/events', wrong: 303, right: 200 },
    ];
    for (const [index, { url, wrong, right }] of surfaces.entries()) {
      const remoteAddress = `203.0.113.${index + 1}`;
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof service.app.inject>> | undefined;
      for (let i = 0; i < 300; i += 1) {
        last = await service.app.inject({
          method: 'GET',
          url,
          remoteAddress,
          headers: { authorization: `Bearer guess-${i}` },
        });
        statuses.push(last.statusCode);
      }
      expect(statuses.slice(0, 10), url).toEqual(Array(10).fill(wrong));
      expect(statuses.slice(10), url).toEqual(Array(290).fill(429));
      expect(Number(last?.headers['retry-after']), url).toBeGreaterThan(0);
      expect(last?.json(), url).toMatchObject({
        error: 'too_many_failed_attempts',
        retry_after_seconds: Number(last?.headers['retry-after']),
      });
      // Locked out means every token: a right guess must look like a wrong one.
      const withRight = { method: 'GET' as const, url, headers: bearer };
      expect((await service.app.inject({ ...withRight, remoteAddress })).statusCode, url).toBe(429);
      expect(
        (await service.app.inject({ ...withRight, remoteAddress: '198.51.100.7' })).statusCode,
        url,
      ).toBe(right);
    }
  });

  it('counts wrong tokens from every admin surface together, and never throttles right ones', async () => {
    const remoteAddress = '203.0.113.50';
    const { cookie } = await login(service);
    for (let i = 0; i < 200; i += 1) {
      const ok = await service.app.inject({
        method: 'GET',
        url: '/api/v1/events',
        headers: bearer,
        remoteAddress,
      });
      expect(ok.statusCode).toBe(200);
    }
    for (const url of ['/metrics', '/api/v1/students', '/admin', '/metrics', '/api/v1/events']) {
      for (let i = 0; i < 2; i += 1) {
        await service.app.inject({
          method: 'GET',
          url,
          remoteAddress,
          headers: { authorization: 'Bearer nope' },
        });
      }
    }
    const signIn = await service.app.inject({
      method: 'POST',
      url: '/admin/login',
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: TEST_ADMIN_TOKEN }).toString(),
    });
    expect(signIn.statusCode).toBe(429);
    expect(signIn.cookies).toEqual([]);
    // A session opened before is no guess: it keeps working from the locked-out address.
    const page = await service.app.inject({
      method: 'GET',
      url: '/admin/events',
      remoteAddress,
      headers: { cookie: cookie as string },
    });
    expect(page.statusCode).toBe(200);
  });

  it('refuses a dashboard form posted from another site', async () => {
    const { ok } = await seed(service);
    const { cookie } = await login(service);
    const response = await service.app.inject({
      method: 'POST',
      url: `/admin/events/${ok}/retry`,
      headers: {
        cookie: cookie as string,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: '',
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('origin check', () => {
  const HOST = 'mzi.test:8001';
  const errorLines = (s: TestService) =>
    s
      .logs()
      .split('\n')
      .filter((line) => line.includes('"level":50'));

  it('refuses a malformed Origin with 403 JSON, signed in or not, and logs no error', async () => {
    const { bad } = await seed(service);
    const { cookie } = await login(service);
    const form = { 'content-type': 'application/x-www-form-urlencoded', host: HOST, origin: 'foo' };
    for (const [url, headers] of [
      ['/admin/login', form],
      ['/admin/logout', form],
      [`/admin/events/${bad}/retry`, form],
      [`/admin/events/${bad}/retry`, { ...form, cookie: cookie as string }],
      [`/api/v1/events/${bad}/retry`, { host: HOST, origin: 'foo' }],
      [`/api/v1/events/${bad}/retry`, { host: HOST, origin: 'foo', cookie: cookie as string }],
      ['/api/v1/events/retry', { host: HOST, origin: 'http://[bad', cookie: cookie as string }],
    ] as const) {
      const response = await service.app.inject({ method: 'POST', url, headers, payload: '' });
      expect(response.statusCode, url).toBe(403);
      expect(response.json(), url).toMatchObject({
        error: 'forbidden_origin',
        message: expect.stringContaining('Origin'),
      });
    }
    for (const origin of ['http://', ' ', 'javascript:alert(1)', 'http://%zz', 'file:///etc', 'http://a b']) {
      for (const headers of [{ origin }, { 'sec-fetch-site': origin }]) {
        const response = await service.app.inject({
          method: 'POST',
          url: '/admin/logout',
          headers: { host: HOST, ...headers },
        });
        expect(response.statusCode, JSON.stringify(headers)).toBe(403);
        expect(response.json().error).toBe('forbidden_origin');
      }
    }
    expect(errorLines(service)).toEqual([]);
  });

  it('refuses a cookie-authenticated API retry from another origin and queues nothing; same origin and Bearer work', async () => {
    const { bad } = await seed(service);
    const { cookie } = await login(service);
    const retry = (headers: Record<string, string>) =>
      service.app.inject({
        method: 'POST',
        url: '/api/v1/events/retry',
        headers: { host: HOST, ...headers },
      });
    const failedCount = async () =>
      (
        await service.app.inject({ method: 'GET', url: '/api/v1/events?status=failed', headers: bearer })
      ).json().events.length;

    for (const foreign of [
      { origin: 'http://mzi.test:9999' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
      { origin: `http://${HOST}`, 'sec-fetch-site': 'cross-site' },
    ]) {
      const response = await retry({ cookie: cookie as string, ...foreign });
      expect(response.statusCode, JSON.stringify(foreign)).toBe(403);
      expect(response.json().error).toBe('forbidden_origin');
    }
    expect(await failedCount()).toBe(1);

    const same = await retry({
      cookie: cookie as string,
      origin: `http://${HOST}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toEqual({ queued: 1 });
    await service.worker.drain();

    const viaBearer = await service.app.inject({
      method: 'POST',
      url: `/api/v1/events/${bad}/retry`,
      headers: { ...bearer, host: HOST, origin: 'https://evil.example' },
    });
    expect(viaBearer.statusCode).toBe(200);
    expect(errorLines(service)).toEqual([]);
  });
});

describe('dashboard pages', () => {
  it('render the overview, events, an event, students, a student and setup, with no personal data leaking into headers', async () => {
    const { ok, bad } = await seed(service);
    const { cookie } = await login(service);
    const get = (url: string) =>
      service.app.inject({ method: 'GET', url, headers: { cookie: cookie as string } });
    const overview = await get('/admin');
    expect(overview.body).toContain('Deliveries per minute');
    expect(overview.body).toMatch(/<svg[^>]+role="img"/);
    const events = await get('/admin/events?status=failed');
    expect(events.body).toContain(bad.slice(-8));
    expect(events.body).not.toContain(ok.slice(-8));
    expect(events.body).toContain('Retry the failed events matching this filter');
    const detail = await get(`/admin/events/${ok}`);
    expect(detail.body).toContain('Processing attempts');
    expect(detail.body).toContain('Raw body');
    expect(detail.body).toContain('HTTP 200');
    const byEmail = await get('/admin/events?student=ada.admin%40student.example.edu');
    expect((byEmail.body.match(/<tr>/g) ?? []).length).toBe(3); // header + 2 events
    const students = await get('/admin/students?q=lina');
    expect(students.body).toContain('Lina Haddad');
    const student = await get('/admin/students/7700001');
    expect(student.body).toContain('Event history');
    const setup = await get('/admin/setup');
    expect(setup.body).toContain('?operation=insert');
    expect(setup.body).toContain('Configuration check');
    // The signed alternative, with the placeholder secret only.
    expect(setup.body).toContain('mzi_student_update');
    expect(setup.body).toContain('record = zoho.crm.getRecordById(&quot;BTEC_Students&quot;, id.toLong());');
    expect(setup.body).toContain('secret = &quot;PASTE-ZOHO_WEBHOOK_SECRET-HERE&quot;;');
  });

  it('escapes student data (no markup from Zoho reaches the page)', async () => {
    await postStudent(
      service,
      customStudentBody({ recordId: '7700009', data: { Name: '<script>alert(1)</script> X' } }),
    );
    await service.worker.drain();
    const { cookie } = await login(service);
    const page = await service.app.inject({
      method: 'GET',
      url: '/admin/students/7700009',
      headers: { cookie: cookie as string },
    });
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('sends a test delivery from the Setup page and shows its event', async () => {
    const { cookie } = await login(service);
    const response = await service.app.inject({
      method: 'POST',
      url: '/admin/setup/test-delivery',
      headers: { cookie: cookie as string, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        operation: 'insert',
        Academic_Email: 'setup.test@student.example.edu',
        Name: 'Setup Test',
      }).toString(),
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toMatch(/^\/admin\/events\/[0-9a-f-]{36}\?flash=test-sent$/);
  });
});

describe('admin API', () => {
  it('lists events with filters and a cursor, shows one, and retries', async () => {
    const { ok, bad } = await seed(service);
    const api = (method: 'GET' | 'POST', url: string) => service.app.inject({ method, url, headers: bearer });
    const all = (await api('GET', '/api/v1/events?limit=2')).json();
    expect(all.events).toHaveLength(2);
    expect(all.next_cursor).toBe(all.events[1].id);
    const rest = (await api('GET', `/api/v1/events?limit=2&cursor=${all.next_cursor}`)).json();
    expect(rest.events).toHaveLength(1);
    expect(rest.next_cursor).toBeNull();
    const failed = (await api('GET', '/api/v1/events?status=failed')).json();
    expect(failed.events.map((e: { event_id: string }) => e.event_id)).toEqual([bad]);
    expect((await api('GET', '/api/v1/events?status=bogus')).statusCode).toBe(400);
    const since = (await api('GET', `/api/v1/events?after=${all.events[1].id}`)).json();
    expect(since.events.map((e: { id: number }) => e.id)).toEqual([all.events[0].id]);

    const detail = (await api('GET', `/api/v1/events/${ok}`)).json();
    expect(detail.event.payload.data.Student_ID_Number).toBe('AD-1');
    expect(detail.attempts).toHaveLength(1);

    expect((await api('POST', '/api/v1/events/retry?dry_run=true')).json()).toEqual({
      matching: 1,
      queued: 0,
    });
    expect((await api('POST', '/api/v1/events/retry')).json()).toEqual({ queued: 1 });
    await service.worker.drain();
    const again = (await api('GET', `/api/v1/events/${bad}`)).json();
    expect(again.attempts).toHaveLength(2);
    expect((await api('POST', `/api/v1/events/${bad}/retry`)).statusCode).toBe(200);
    expect((await api('GET', '/api/v1/events/no-such-event')).statusCode).toBe(404);
  });

  it('answers 400 with a JSON error for a NUL character in a filter, search or id, and for a cursor out of range', async () => {
    await seed(service);
    const { cookie } = await login(service);
    const refused: Array<[method: 'GET' | 'POST', url: string, headers: Record<string, string>]> = [
      ['GET', '/api/v1/events?record_id=a%00b', bearer],
      ['GET', '/api/v1/events?module=%00', bearer],
      ['GET', '/api/v1/events?student=ada%00', bearer],
      ['GET', '/api/v1/events?operation=%00', bearer],
      ['POST', '/api/v1/events/retry?record_id=%00', bearer],
      ['GET', '/api/v1/events/%00', bearer],
      ['POST', '/api/v1/events/ab%00cd/retry', bearer],
      ['GET', '/api/v1/students?q=%00', bearer],
      ['GET', '/api/v1/students/%00', bearer],
      ['GET', '/api/v1/events?cursor=99999999999999999999', bearer],
      ['GET', '/api/v1/events?cursor=1e308', bearer],
      ['GET', '/api/v1/events?cursor=-99999999999999999999', bearer],
      ['GET', '/api/v1/events?after=99999999999999999999', bearer],
      ['GET', '/api/v1/events?after=1e308', bearer],
      ['GET', '/admin/events?record_id=%00', { cookie: cookie as string }],
      ['GET', '/admin/events/%00', { cookie: cookie as string }],
      ['GET', '/admin/students?q=%00', { cookie: cookie as string }],
      ['GET', '/admin/students/%00', { cookie: cookie as string }],
    ];
    for (const [method, url, headers] of refused) {
      const response = await service.app.inject({ method, url, headers });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 400 });
      expect(response.json(), url).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    // A number too large to be an event id is no event, and an older-than cursor past every id is no cursor.
    const api = (url: string) => service.app.inject({ method: 'GET', url, headers: bearer });
    expect((await api('/api/v1/events/99999999999')).statusCode).toBe(404);
    expect((await api('/api/v1/events/999999999999999')).json()).toMatchObject({ error: 'event_not_found' });
    const page = await service.app.inject({
      method: 'GET',
      url: '/admin/events?before=99999999999999999999',
      headers: { cookie: cookie as string },
    });
    expect(page.statusCode).toBe(200);
  });

  it('searches students and shows one with its events', async () => {
    await seed(service);
    const list = (
      await service.app.inject({ method: 'GET', url: '/api/v1/students?q=AD-1', headers: bearer })
    ).json();
    expect(list.students.map((s: { zoho_record_id: string }) => s.zoho_record_id)).toEqual(['7700001']);
    const one = (
      await service.app.inject({
        method: 'GET',
        url: '/api/v1/students/ada.admin@student.example.edu',
        headers: bearer,
      })
    ).json();
    expect(one.student.city).toBe('Sidon');
    expect(one.events).toHaveLength(2);
  });

  it('publishes an OpenAPI document and a rendered page', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/events',
        '/api/v1/events/{id}',
        '/api/v1/events/{id}/retry',
        '/api/v1/events/retry',
        '/api/v1/students',
        '/api/v1/students/{id}',
      ]),
    );
    const page = await service.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(
      /https?:\/\/(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}\/[^"']*\.(js|css)/i,
    );
  });
});

describe('admin token', () => {
  it('is generated on first start when ADMIN_TOKEN is unset, kept private, and shown again by mzi admin-token', async () => {
    await service.cleanup();
    service = await startTestService({ ADMIN_TOKEN: '' }, { threads: false });
    const path = join(service.dir, 'admin-token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const shown = runMzi(['admin-token'], {
      DATABASE_URL: service.config.databaseUrl,
      DATA_DIR: service.dir,
      ADMIN_TOKEN: '',
    });
    expect(shown.code).toBe(0);
    const token = shown.stdout.trim();
    expect(token.length).toBeGreaterThan(20);
    const response = await service.app.inject({
      method: 'GET',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
  });

  /** Starts a service that generates its token, with standard output a terminal or not; what it wrote there. */
  async function startGenerating(terminal: boolean): Promise<{ token: string; stdout: string }> {
    await service.cleanup();
    const wasTTY = process.stdout.isTTY;
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    process.stdout.isTTY = terminal;
    try {
      service = await startTestService({ ADMIN_TOKEN: '' }, { threads: false });
    } finally {
      process.stdout.isTTY = wasTTY;
      write.mockRestore();
    }
    const token = readFileSync(join(service.dir, 'admin-token'), 'utf8').trim();
    expect(token.length).toBeGreaterThan(20);
    return { token, stdout: written.join('') };
  }

  it('is shown once on a terminal, and never logged', async () => {
    const { token, stdout } = await startGenerating(true);
    expect(stdout).toContain(token);
    expect(service.logs()).not.toContain(token);
  });

  it('is not written when the output is not a terminal (a journal, a container log, a file): the log says where to find it', async () => {
    const { token, stdout } = await startGenerating(false);
    expect(stdout).not.toContain(token);
    expect(service.logs()).not.toContain(token);
    const line = service
      .logs()
      .split('\n')
      .find((l) => l.includes('admin token'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({
      level: 40,
      path: join(service.dir, 'admin-token'),
      msg: expect.stringContaining('npx mzi admin-token'),
    });
  });
});
