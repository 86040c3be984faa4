import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openSecret, sealSecret, ZohoKeyMismatchError } from '../../src/zoho/seal-secret.js';
import { missingZohoScopes } from '../../src/zoho/zoho-scopes.js';
import { resolveZohoTokenKey, ZOHO_TOKEN_KEY_FILE } from '../../src/zoho/zoho-token-key.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mzi-key-'));
  dirs.push(dir);
  return dir;
};
const config = (env: Record<string, string>) => loadConfig({ env, dotenvPath: null });

describe('the Zoho token key', () => {
  it('is generated once in DATA_DIR with mode 0600, and read back by later calls', () => {
    const dir = dataDir();
    const first = resolveZohoTokenKey(config({ DATA_DIR: dir }), { create: true });
    const again = resolveZohoTokenKey(config({ DATA_DIR: dir }), { create: true });
    const path = join(dir, ZOHO_TOKEN_KEY_FILE);
    expect(first).toMatchObject({ source: 'file', path, generated: true });
    expect(again).toMatchObject({ source: 'file', path, generated: false });
    expect(again?.key.equals(first?.key as Buffer)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is ZOHO_TOKEN_KEY when set, and no file is written', () => {
    const dir = dataDir();
    const key = resolveZohoTokenKey(config({ DATA_DIR: dir, ZOHO_TOKEN_KEY: 'k'.repeat(40) }), {
      create: true,
    });
    expect(key).toMatchObject({ source: 'config', path: undefined });
    expect(() => statSync(join(dir, ZOHO_TOKEN_KEY_FILE))).toThrow();
  });

  it('is undefined without ZOHO_TOKEN_KEY or a file when it may not be created', () => {
    expect(resolveZohoTokenKey(config({ DATA_DIR: dataDir() }), { create: false })).toBeUndefined();
  });
});

describe('sealed secrets', () => {
  const key = resolveZohoTokenKey(config({ ZOHO_TOKEN_KEY: 'a'.repeat(32) }), { create: false })
    ?.key as Buffer;
  const other = resolveZohoTokenKey(config({ ZOHO_TOKEN_KEY: 'b'.repeat(32) }), { create: false })
    ?.key as Buffer;

  it('open with their key and label, and never show the plaintext', () => {
    const sealed = sealSecret(key, 'refresh_token', '1000.secret-refresh-token');
    expect(sealed).not.toContain('secret-refresh-token');
    expect(sealed).not.toEqual(sealSecret(key, 'refresh_token', '1000.secret-refresh-token'));
    expect(openSecret(key, 'refresh_token', sealed)).toBe('1000.secret-refresh-token');
  });

  it('refuse another key, another label or a damaged value with the message that says what to do', () => {
    const sealed = sealSecret(key, 'refresh_token', 'x');
    for (const open of [
      () => openSecret(other, 'refresh_token', sealed),
      () => openSecret(key, 'client_secret', sealed),
      () => openSecret(key, 'refresh_token', `${sealed.slice(0, -2)}AA`),
      () => openSecret(key, 'refresh_token', 'plain text'),
    ]) {
      expect(open).toThrow(ZohoKeyMismatchError);
      expect(open).toThrow(
        'The stored Zoho connection was encrypted with another key: set ZOHO_TOKEN_KEY back or run mzi zoho connect again.',
      );
    }
  });
});

describe('missingZohoScopes', () => {
  it('finds nothing missing when each needed scope is granted, or covered by a parent ALL, in any case', () => {
    expect(missingZohoScopes(['ZohoCRM.modules.ALL', 'ZohoCRM.settings.automation_actions.READ'])).toEqual(
      [],
    );
    expect(missingZohoScopes(['zohocrm.modules.all', 'ZohoCRM.settings.ALL'])).toEqual([]);
    expect(missingZohoScopes(['ZohoCRM.modules.ALL', 'ZohoCRM.settings.automation_actions.ALL'])).toEqual([]);
  });

  it('names the scopes a narrower grant lacks', () => {
    expect(missingZohoScopes(['ZohoCRM.modules.READ', 'ZohoCRM.settings.modules.ALL'])).toEqual([
      'ZohoCRM.modules.ALL',
      'ZohoCRM.settings.automation_actions.READ',
    ]);
    expect(missingZohoScopes([])).toHaveLength(2);
  });
});
