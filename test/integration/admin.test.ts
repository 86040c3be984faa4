import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { customStudentBody, postStudent } from '../helpers/deliveries.js';
import { runMzi } from '../helpers/mzi-process.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService();
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

  it('rate-limits wrong sign-in attempts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await login(service, `guess-${i}`)).response.statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
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
    service = await startTestService({ ADMIN_TOKEN: '' });
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
      service = await startTestService({ ADMIN_TOKEN: '' });
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
