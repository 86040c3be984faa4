import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sign } from '../../src/webhooks/sign.js';
import {
  type VerifyInput,
  verifySignature,
  WebhookVerificationError,
} from '../../src/webhooks/verify-signature.js';

const body = Buffer.from('{"record_id":"1"}');
const now = 1_795_900_000;
const base: VerifyInput = {
  rawBody: body,
  headers: {},
  queryToken: undefined,
  secrets: [],
  tokens: [],
  now,
  toleranceSeconds: 300,
};

function reason(input: VerifyInput): string | undefined {
  try {
    verifySignature(input);
    return undefined;
  } catch (error) {
    return error instanceof WebhookVerificationError ? error.reason : 'other';
  }
}

describe('verifySignature', () => {
  it('accepts anything when no secret and no token are configured', () => {
    expect(verifySignature(base)).toBe('none');
  });

  it('accepts the hex HMAC-SHA256 of the raw body, with or without the sha256= prefix, in any case', () => {
    const hex = createHmac('sha256', 's').update(body).digest('hex');
    for (const header of [hex, `sha256=${hex}`, hex.toUpperCase(), `SHA256=${hex}`]) {
      expect(verifySignature({ ...base, secrets: ['s'], headers: { 'x-zoho-signature': header } })).toBe(
        'hmac',
      );
    }
  });

  it("accepts Deluge's zoho.encryption.hmacsha256 answers as Zoho's help documents them, base64 and hex", () => {
    // The example of https://www.zoho.com/deluge/help/encryption/hmac-sha256.html: the same key and text give
    // "E3IZY+esQ59aLmPCYYVjk2R/P1G0k77r9ZGa9Lw94Zw=" by default (base64) and the hex below with "hex".
    const input = {
      ...base,
      rawBody: Buffer.from('{Order ID: 0932, Currency: USD, Amount: 2500}'),
      secrets: ['sk_5Ow7B_4eC39H'],
    };
    for (const header of [
      'E3IZY+esQ59aLmPCYYVjk2R/P1G0k77r9ZGa9Lw94Zw=',
      '13721963e7ac439f5a2e63c261856393647f3f51b493beebf5919af4bc3de19c',
    ]) {
      expect(verifySignature({ ...input, headers: { 'x-zoho-signature': header } })).toBe('hmac');
    }
    // One bit off in the base64 answer is refused.
    expect(
      reason({ ...input, headers: { 'x-zoho-signature': 'E3IZY+esQ59aLmPCYYVjk2R/P1G0k77r9ZGa9Lw94Zg=' } }),
    ).toBe('invalid_signature');
  });

  it('accepts a base64 signature with or without its padding, bare or after sha256=', () => {
    const b64 = createHmac('sha256', 's').update(body).digest('base64');
    expect(b64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    for (const header of [b64, b64.slice(0, -1), `sha256=${b64}`, ` ${b64} `]) {
      expect(verifySignature({ ...base, secrets: ['s'], headers: { 'x-zoho-signature': header } })).toBe(
        'hmac',
      );
    }
  });

  it('checks a base64 signature over "{ts}.{body}" with a timestamp in milliseconds, as the Deluge function sends', () => {
    const ts = String((now - 5) * 1000);
    const signature = createHmac('sha256', 's').update(`${ts}.`).update(body).digest('base64');
    const headers = { 'x-zoho-signature': signature, 'x-zoho-timestamp': ts };
    expect(verifySignature({ ...base, secrets: ['s'], headers })).toBe('hmac');
    // Signed without the timestamp, or sent with another one: refused.
    const bodyOnly = createHmac('sha256', 's').update(body).digest('base64');
    expect(reason({ ...base, secrets: ['s'], headers: { ...headers, 'x-zoho-signature': bodyOnly } })).toBe(
      'invalid_signature',
    );
    expect(
      reason({
        ...base,
        secrets: ['s'],
        headers: { ...headers, 'x-zoho-timestamp': String((now - 4) * 1000) },
      }),
    ).toBe('invalid_signature');
    const stale = String((now - 400) * 1000);
    const staleSignature = createHmac('sha256', 's').update(`${stale}.`).update(body).digest('base64');
    expect(
      reason({
        ...base,
        secrets: ['s'],
        headers: { 'x-zoho-signature': staleSignature, 'x-zoho-timestamp': stale },
      }),
    ).toBe('stale_timestamp');
  });

  it('refuses base64 of another body or secret, base64url, and a digest of the wrong length', () => {
    const secrets = ['s'];
    const other = createHmac('sha256', 's').update('{"record_id":"2"}').digest('base64');
    const otherSecret = createHmac('sha256', 'x').update(body).digest('base64');
    const digest = createHmac('sha256', 's').update(body).digest();
    const url = digest.toString('base64url');
    const sha1 = createHmac('sha1', 's').update(body).digest('base64');
    const sha512 = createHmac('sha512', 's').update(body).digest('base64');
    for (const header of [other, otherSecret, sha1, sha512]) {
      expect(reason({ ...base, secrets, headers: { 'x-zoho-signature': header } })).toBe('invalid_signature');
    }
    // base64url differs from base64 only where the digest has + or /: make sure this one does.
    expect(/[-_]/.test(url)).toBe(true);
    expect(reason({ ...base, secrets, headers: { 'x-zoho-signature': url } })).toBe('invalid_signature');
  });

  it('rejects a signature made with another secret, over another body, or malformed', () => {
    const secrets = ['s'];
    expect(reason({ ...base, secrets, headers: sign(body, 'other') })).toBe('invalid_signature');
    expect(reason({ ...base, secrets, headers: sign('{"record_id":"2"}', 's') })).toBe('invalid_signature');
    expect(reason({ ...base, secrets, headers: { 'x-zoho-signature': 'abc' } })).toBe('invalid_signature');
    expect(reason({ ...base, secrets })).toBe('missing_credentials');
  });

  it('accepts any secret of a rotation list', () => {
    expect(verifySignature({ ...base, secrets: ['old', 'new'], headers: sign(body, 'new') })).toBe('hmac');
    expect(verifySignature({ ...base, secrets: ['old', 'new'], headers: sign(body, 'old') })).toBe('hmac');
  });

  it('checks timestamped signatures over "{ts}.{body}" within the tolerance, in seconds or milliseconds', () => {
    expect(
      verifySignature({ ...base, secrets: ['s'], headers: sign(body, 's', { timestamp: now - 10 }) }),
    ).toBe('hmac');
    const ms = sign(body, 's', { timestamp: (now - 10) * 1000 });
    expect(verifySignature({ ...base, secrets: ['s'], headers: ms })).toBe('hmac');
    expect(reason({ ...base, secrets: ['s'], headers: sign(body, 's', { timestamp: now - 301 }) })).toBe(
      'stale_timestamp',
    );
    expect(reason({ ...base, secrets: ['s'], headers: sign(body, 's', { timestamp: now + 301 }) })).toBe(
      'stale_timestamp',
    );
    // The timestamp is covered by the signature: changing it breaks the signature.
    const headers = { ...sign(body, 's', { timestamp: now }), 'x-zoho-timestamp': String(now + 1) };
    expect(reason({ ...base, secrets: ['s'], headers })).toBe('invalid_signature');
  });

  it('accepts a static token from the header or the query, and rejects a wrong one', () => {
    const tokens = ['t1', 't2'];
    expect(verifySignature({ ...base, tokens, headers: { 'x-webhook-token': 't2' } })).toBe('token');
    expect(verifySignature({ ...base, tokens, queryToken: 't1' })).toBe('token');
    expect(reason({ ...base, tokens, queryToken: 't3' })).toBe('invalid_token');
    expect(reason({ ...base, tokens, headers: { 'x-webhook-token': 't' } })).toBe('invalid_token');
    expect(reason({ ...base, tokens })).toBe('missing_credentials');
  });

  it('accepts the token when both a secret and a token are configured and Zoho can only send the token', () => {
    expect(verifySignature({ ...base, secrets: ['s'], tokens: ['t'], queryToken: 't' })).toBe('token');
    expect(verifySignature({ ...base, secrets: ['s'], tokens: ['t'], headers: sign(body, 's') })).toBe(
      'hmac',
    );
  });

  it('never echoes a secret or the expected signature in its message', () => {
    const expected = sign(body, 'super-secret')['x-zoho-signature'] as string;
    try {
      verifySignature({
        ...base,
        secrets: ['super-secret'],
        headers: { 'x-zoho-signature': `sha256=${'0'.repeat(64)}` },
      });
    } catch (error) {
      expect((error as Error).message).not.toContain('super-secret');
      expect((error as Error).message).not.toContain(expected.slice(7));
    }
    expect.assertions(2);
  });
});
