import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type AuthMethod = 'hmac' | 'token' | 'none';

export type VerificationFailure =
  | 'missing_credentials'
  | 'invalid_signature'
  | 'invalid_token'
  | 'stale_timestamp';

/** One terse reason; never echoes a secret, an expected value or the body. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: VerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyInput {
  rawBody: Buffer;
  /** Lower-cased header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The `token` query parameter, when present. */
  queryToken: string | undefined;
  secrets: readonly string[];
  tokens: readonly string[];
  /** Seconds since the epoch. */
  now: number;
  toleranceSeconds: number;
}

export const SIGNATURE_HEADER = 'x-zoho-signature';
export const TIMESTAMP_HEADER = 'x-zoho-timestamp';
export const TOKEN_HEADER = 'x-webhook-token';

/**
 * Checks a delivery's credentials (DESIGN.md §2): an HMAC-SHA256 of the raw body in `X-Zoho-Signature`
 * (hex or base64, bare or after `sha256=`, optionally over `"{ts}.{body}"` with `X-Zoho-Timestamp`), or a static token
 * in `X-Webhook-Token` / `?token=`. Any accepted secret or token passes (rotation).
 */
export function verifySignature(input: VerifyInput): AuthMethod {
  const { secrets, tokens } = input;
  if (secrets.length === 0 && tokens.length === 0) return 'none';

  const signature = firstHeader(input.headers, SIGNATURE_HEADER);
  const token = firstHeader(input.headers, TOKEN_HEADER) ?? input.queryToken;

  if (signature !== undefined && secrets.length > 0) {
    const timestamp = firstHeader(input.headers, TIMESTAMP_HEADER);
    let signed: Buffer = input.rawBody;
    if (timestamp !== undefined) {
      const seconds = parseTimestamp(timestamp);
      if (seconds === undefined || Math.abs(input.now - seconds) > input.toleranceSeconds) {
        throw new WebhookVerificationError(
          'stale_timestamp',
          `X-Zoho-Timestamp is missing, malformed or more than ${input.toleranceSeconds} seconds away from the server's clock.`,
        );
      }
      signed = Buffer.concat([Buffer.from(`${timestamp}.`), input.rawBody]);
    }
    const given = parseSignature(signature);
    if (
      given &&
      secrets.some((secret) => safeEqual(given, createHmac('sha256', secret).update(signed).digest()))
    ) {
      return 'hmac';
    }
    if (token === undefined || tokens.length === 0) {
      throw new WebhookVerificationError(
        'invalid_signature',
        'X-Zoho-Signature does not match: it must be the HMAC-SHA256 of the raw request body (with X-Zoho-Timestamp: of "{timestamp}.{body}") with the shared secret, in hex or base64.',
      );
    }
  }

  if (token !== undefined && tokens.length > 0) {
    const digest = sha256(token);
    if (tokens.some((accepted) => safeEqual(digest, sha256(accepted)))) return 'token';
    throw new WebhookVerificationError('invalid_token', 'The webhook token is not valid.');
  }

  const accepted = [
    secrets.length > 0 ? 'an X-Zoho-Signature header (HMAC-SHA256 of the body)' : undefined,
    tokens.length > 0 ? 'an X-Webhook-Token header or a ?token= query parameter' : undefined,
  ].filter(Boolean);
  throw new WebhookVerificationError(
    'missing_credentials',
    `This webhook requires authentication: send ${accepted.join(' or ')}.`,
  );
}

function firstHeader(headers: VerifyInput['headers'], name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/**
 * The 32 bytes of an HMAC-SHA256 as senders write it: hex (64 digits, any case), or base64 (43 characters and
 * `=`, the padding optional), which is what Deluge's `zoho.encryption.hmacsha256(key, data)` answers by default
 * (https://www.zoho.com/deluge/help/encryption/hmac-sha256.html: "By default, the output type is base64"); either
 * one bare or after `sha256=`. The two forms cannot be mistaken for each other: their lengths differ.
 */
function parseSignature(header: string): Buffer | undefined {
  const value = header.trim().replace(/^sha256=/i, '');
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) return Buffer.from(value, 'base64');
  return undefined;
}

function parseTimestamp(value: string): number | undefined {
  if (!/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  // Accept seconds or milliseconds since the epoch.
  return n > 1e12 ? Math.floor(n / 1000) : n;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison after a length check (the length of an HMAC or a hash is public). */
function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
