import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The stored Zoho connection cannot be opened with the key in use. */
export class ZohoKeyMismatchError extends AppError {
  constructor() {
    super(
      'zoho.key_mismatch',
      'The stored Zoho connection was encrypted with another key: set ZOHO_TOKEN_KEY back or run mzi zoho connect again.',
      { status: 409 },
    );
    this.name = 'ZohoKeyMismatchError';
  }
}

/**
 * Seals a secret with AES-256-GCM: `v1.` and base64url of IV, tag and ciphertext. `label` (the column) is
 * authenticated too, so a sealed value copied into another column does not open.
 */
export function sealSecret(key: Buffer, label: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(label, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
}

/** Opens what `sealSecret` sealed; a ZohoKeyMismatchError when the key or the label is not the one it was sealed with. */
export function openSecret(key: Buffer, label: string, sealed: string): string {
  const [version, body] = sealed.split('.', 2);
  const bytes = Buffer.from(body ?? '', 'base64url');
  if (version !== VERSION || bytes.length < IV_BYTES + TAG_BYTES) throw new ZohoKeyMismatchError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(label, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new ZohoKeyMismatchError();
  }
}
