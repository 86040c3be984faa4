import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ZohoCredentials } from './zoho-credentials.js';

/**
 * Encrypts the shared access token at rest with a key derived from the credentials that minted it: every mzi
 * process holds them, the database alone does not. A token stored under other credentials (a new connection)
 * no longer decrypts, and is minted again, which is what a changed connection needs anyway.
 */
export interface TokenCipher {
  encrypt(token: string): string;
  /** The token, or undefined when it was sealed with other credentials or is not a sealed token. */
  decrypt(sealed: string): string | undefined;
}

const VERSION = 'v1';

export function createTokenCipher(credentials: ZohoCredentials): TokenCipher {
  const secret = `${credentials.clientId}\n${credentials.clientSecret}\n${credentials.refreshToken}`;
  const key = Buffer.from(hkdfSync('sha256', secret, 'mzi-zoho-access-token', 'aes-256-gcm', 32));
  return {
    encrypt(token) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    decrypt(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        return undefined;
      }
    },
  };
}
