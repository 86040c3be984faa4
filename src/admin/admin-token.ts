import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

export interface AdminToken {
  token: string;
  /** Where it comes from: the ADMIN_TOKEN setting, or the file mzi generated. */
  source: 'config' | 'file';
  path: string | undefined;
  /** True when this call created it (print it once). */
  generated: boolean;
}

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The admin token: ADMIN_TOKEN when set; otherwise the one generated on first start and kept (mode 0600) in
 * the data directory, so that it survives restarts and `mzi admin-token` can show it again.
 */
export function resolveAdminToken(
  config: Config,
  options: { create: boolean } = { create: true },
): AdminToken | undefined {
  if (config.adminToken)
    return { token: config.adminToken, source: 'config', path: undefined, generated: false };
  const path = join(config.dataDir, ADMIN_TOKEN_FILE);
  const existing = readToken(path);
  if (existing) return { token: existing, source: 'file', path, generated: false };
  if (!options.create) return undefined;
  mkdirSync(config.dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  try {
    // 'wx': when several processes start together, one creates it and the others read that one.
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, source: 'file', path, generated: true };
  } catch {
    const raced = readToken(path);
    if (raced) return { token: raced, source: 'file', path, generated: false };
    throw new Error(`Could not create the admin token file ${path}; set ADMIN_TOKEN instead.`);
  }
}

function readToken(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
