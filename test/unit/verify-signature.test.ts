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
