import { hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

/** The key that seals the stored Zoho connection, and where it comes from. */
export interface ZohoTokenKey {
  /** 32 bytes for AES-256-GCM, derived from the key material. */
  key: Buffer;
  /** ZOHO_TOKEN_KEY, or the file mzi generated in DATA_DIR. */
  source: 'config' | 'file';
  path: string | undefined;
  /** True when this call created the file. */
  generated: boolean;
}

export const ZOHO_TOKEN_KEY_FILE = 'zoho-token-key';

/**
 * The key of the stored Zoho connection: ZOHO_TOKEN_KEY when set; otherwise the one generated on first use and
 * kept (mode 0600) in the data directory, as the admin token is, so that a copy of the database alone opens
 * nothing. Undefined without ZOHO_TOKEN_KEY when there is no file and `create` is false.
 */
export function resolveZohoTokenKey(config: Config, options: { create: boolean }): ZohoTokenKey | undefined {
  if (config.zoho.tokenKey !== undefined)
    return { key: deriveKey(config.zoho.tokenKey), source: 'config', path: undefined, generated: false };
  const path = join(config.dataDir, ZOHO_TOKEN_KEY_FILE);
  const existing = readKeyFile(path);
  if (existing) return { key: deriveKey(existing), source: 'file', path, generated: false };
  if (!options.create) return undefined;
  mkdirSync(config.dataDir, { recursive: true });
  const material = randomBytes(32).toString('base64url');
  try {
    // 'wx': when several processes start together, one creates it and the others read that one.
    writeFileSync(path, `${material}\n`, { mode: 0o600, flag: 'wx' });
    return { key: deriveKey(material), source: 'file', path, generated: true };
  } catch {
    const raced = readKeyFile(path);
    if (raced) return { key: deriveKey(raced), source: 'file', path, generated: false };
    throw new Error(`Could not create the Zoho token key file ${path}; set ZOHO_TOKEN_KEY instead.`);
  }
}

/** True when no one but the owner may read the key file (mode 0600 or stricter). */
export function isPrivateKeyFile(path: string): boolean {
  return (statSync(path).mode & 0o077) === 0;
}

/** HKDF turns any key material of 32 characters or more (a passphrase, base64, hex) into an AES-256 key. */
function deriveKey(material: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, 'mzi', 'mzi zoho connection v1', 32));
}

function readKeyFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
