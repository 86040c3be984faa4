import { describe, expect, it } from 'vitest';
import { zohoTime } from '../../src/zoho/zoho-records.js';
import {
  parseRetryAfter,
  retryDelayMs,
  shouldRetryZohoAnswer,
  zohoErrorCode,
} from '../../src/zoho/zoho-retry-policy.js';

describe('shouldRetryZohoAnswer', () => {
  it.each([
    [429, 'TOO_MANY_REQUESTS', true],
    [429, undefined, true],
    [500, 'INTERNAL_ERROR', true],
    [503, undefined, true],
    [401, 'INVALID_TOKEN', true],
    [401, 'AUTHENTICATION_FAILURE', false],
    [401, 'OAUTH_SCOPE_MISMATCH', false],
    [403, 'NO_PERMISSION', false],
    [400, 'INVALID_DATA', false],
    [400, 'INVALID_MODULE', false],
    [400, 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', false],
  ])('HTTP %i %s → retry %s', (status, code, retry) => {
    expect(shouldRetryZohoAnswer(status, code)).toBe(retry);
  });

  it('gives stable mzi codes', () => {
    expect(zohoErrorCode(429, 'TOO_MANY_REQUESTS')).toBe('zoho.rate_limited');
    expect(zohoErrorCode(401, 'OAUTH_SCOPE_MISMATCH')).toBe('zoho.scope_mismatch');
    expect(zohoErrorCode(401, 'INVALID_TOKEN')).toBe('zoho.invalid_token');
    expect(zohoErrorCode(502, undefined)).toBe('zoho.server_error');
    expect(zohoErrorCode(418, undefined)).toBe('zoho.http_error');
  });
});

describe('retryDelayMs', () => {
  it('honours Retry-After, else backs off exponentially with jitter up to a cap', () => {
    const settings = { baseDelayMs: 500, maxDelayMs: 10_000 };
    expect(retryDelayMs(1, { ...settings, retryAfterSeconds: 7 })).toBe(7000);
    expect(retryDelayMs(1, settings, () => 0)).toBe(250);
    expect(retryDelayMs(1, settings, () => 1)).toBe(500);
    expect(retryDelayMs(3, settings, () => 1)).toBe(2000);
    expect(retryDelayMs(10, settings, () => 1)).toBe(10_000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter('Mon, 07 Dec 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('zohoTime', () => {
  it('writes If-Modified-Since as Zoho does: seconds and an offset', () => {
    expect(zohoTime('2026-12-07T10:11:12.345Z')).toBe('2026-12-07T10:11:12+00:00');
    expect(zohoTime('2026-12-07T12:11:12+02:00')).toBe('2026-12-07T10:11:12+00:00');
    expect(() => zohoTime('yesterday')).toThrow(TypeError);
  });
});
