import { afterEach, describe, expect, it } from 'vitest';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

/**
 * mzi behind the HTTPS reverse proxy SECURITY.md asks for (issue 15): with TRUST_PROXY naming the proxy, the
 * protocol, host and client address come from its X-Forwarded-* headers; without it, those headers are ignored.
 * Requests are injected from 127.0.0.1, which plays the proxy.
 */

/** What an HTTPS proxy at mzi.school.edu adds for a browser at 203.0.113.7. */
const FORWARDED = {
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'mzi.school.edu',
  'x-forwarded-for': '203.0.113.7',
};

let service: TestService | undefined;
afterEach(async () => {
  await service?.cleanup();
  service = undefined;
});

async function signIn(s: TestService, headers: Record<string, string>, token = TEST_ADMIN_TOKEN) {
  const response = await s.app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams({ token, next: '/admin/events' }).toString(),
  });
  return { response, cookie: response.cookies.find((c) => c.name === 'mzi_admin') };
}

/** Wrong sign-ins from one forwarded client address until the limit answers; the statuses seen. */
async function guess(s: TestService, times: number, headers: (attempt: number) => Record<string, string>) {
  const statuses: number[] = [];
  for (let i = 0; i < times; i += 1) {
    statuses.push((await signIn(s, headers(i), `wrong-${i}`)).response.statusCode);
  }
  return statuses;
}

describe('behind a trusted reverse proxy (TRUST_PROXY=127.0.0.1)', () => {
  it('signs in over the proxy with a Secure cookie, accepting the public origin', async () => {
    service = await startTestService({ TRUST_PROXY: '127.0.0.1' }, { threads: false });
    const { response, cookie } = await signIn(service, {
      ...FORWARDED,
      origin: 'https://mzi.school.edu',
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin/events');
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });
    // The access line names the browser, not the proxy.
    expect(service.logs()).toContain('"remoteAddress":"203.0.113.7"');

    const foreign = await signIn(service, { ...FORWARDED, origin: 'https://evil.example' });
    expect(foreign.response.statusCode).toBe(403);
    expect(foreign.cookie).toBeUndefined();
  });

  it('gives every forwarded client its own sign-in budget', async () => {
    service = await startTestService({ TRUST_PROXY: '127.0.0.1' }, { threads: false });
    const first = { ...FORWARDED, 'x-forwarded-for': '203.0.113.7' };
    const second = { ...FORWARDED, 'x-forwarded-for': '198.51.100.23' };
    expect(await guess(service, 11, () => first)).toEqual([...Array(10).fill(303), 429]);
    expect(await guess(service, 11, () => second)).toEqual([...Array(10).fill(303), 429]);
  });

  it('takes the address the proxy appended, not what the client wrote before it', async () => {
    service = await startTestService({ TRUST_PROXY: '127.0.0.1' }, { threads: false });
    const statuses = await guess(service, 11, (i) => ({
      ...FORWARDED,
      'x-forwarded-for': `198.51.100.${i + 1}, 203.0.113.7`,
    }));
    expect(statuses).toEqual([...Array(10).fill(303), 429]);
  });

  it('does not log a forwarded client address that is not an address', async () => {
    service = await startTestService({ TRUST_PROXY: '127.0.0.1' }, { threads: false });
    const junk = `someone@example.edu-${'x'.repeat(5000)}`;
    await signIn(service, { ...FORWARDED, 'x-forwarded-for': junk });
    expect(service.logs()).toContain('"remoteAddress":"[not an address]"');
    expect(service.logs()).not.toContain('someone@example.edu');
  });

  it('with a hop count, takes the client address the nearest proxy saw', async () => {
    service = await startTestService({ TRUST_PROXY: '1' }, { threads: false });
    const { response } = await signIn(service, {
      ...FORWARDED,
      'x-forwarded-for': '192.0.2.99, 203.0.113.7',
      origin: 'https://mzi.school.edu',
    });
    expect(response.statusCode).toBe(303);
    expect(service.logs()).toContain('"remoteAddress":"203.0.113.7"');
    expect(service.logs()).not.toContain('192.0.2.99');
  });
});

describe('without TRUST_PROXY (the default) or from a peer it does not name', () => {
  for (const trust of [undefined, '10.0.0.5']) {
    const env = trust === undefined ? {} : { TRUST_PROXY: trust };
    const name = trust === undefined ? 'TRUST_PROXY unset' : `TRUST_PROXY=${trust}`;

    it(`ignores forwarded protocol and host (${name})`, async () => {
      service = await startTestService(env, { threads: false });
      const { response, cookie } = await signIn(service, FORWARDED);
      expect(response.statusCode).toBe(303);
      expect(cookie?.secure).toBeUndefined();
      expect(service.logs()).toContain('"remoteAddress":"127.0.0.1"');
      expect(service.logs()).not.toContain('203.0.113.7');
      // The public origin is not this request's host: plain http://localhost.
      const crossOrigin = await signIn(service, { ...FORWARDED, origin: 'https://mzi.school.edu' });
      expect(crossOrigin.response.statusCode).toBe(403);
    });

    it(`does not let X-Forwarded-For evade the sign-in limit (${name})`, async () => {
      service = await startTestService(env, { threads: false });
      const statuses = await guess(service, 11, (i) => ({ 'x-forwarded-for': `203.0.113.${i + 1}` }));
      expect(statuses).toEqual([...Array(10).fill(303), 429]);
    });
  }
});
