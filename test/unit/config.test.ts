import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, isWebhookAuthDisabled, loadConfig } from '../../src/config.js';
import { MODULES, moduleSettings } from '../../src/modules/index.js';
import { students } from '../../src/modules/students/index.js';

const load = (env: Record<string, string>) => loadConfig({ env, dotenvPath: null });

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 8001,
      host: '0.0.0.0',
      databaseUrl: 'sqlite:./data/mzi.sqlite',
      logLevel: 'info',
      webhook: {
        secrets: [],
        tokens: [],
        bodyLimitBytes: 1048576,
        dedupWindowSeconds: 86400,
        timestampToleranceSeconds: 300,
      },
      worker: { enabled: true, concurrency: 4, maxAttempts: 10 },
    });
    expect(isWebhookAuthDisabled(config)).toBe(true);
    expect(Object.isFrozen(config.webhook)).toBe(true);
  });

  it('reads lists, durations and booleans', () => {
    const config = load({
      ZOHO_WEBHOOK_SECRET: ' a, b ,',
      DEDUP_WINDOW: '30m',
      WORKER_ENABLED: 'false',
      MOODLE_URL: 'https://m.example.edu/',
      MOODLE_TOKEN: 't',
    });
    expect(config.webhook.secrets).toEqual(['a', 'b']);
    expect(config.webhook.dedupWindowSeconds).toBe(1800);
    expect(config.worker.enabled).toBe(false);
    expect(config.moodle.url).toBe('https://m.example.edu');
    expect(isWebhookAuthDisabled(config)).toBe(false);
  });

  it('names every bad setting in one error', () => {
    expect(() => load({ PORT: 'eighty', DATABASE_URL: 'mysql://x', DEDUP_WINDOW: 'soon' })).toThrow(
      ConfigError,
    );
    try {
      load({ PORT: 'eighty', DATABASE_URL: 'mysql://x', DEDUP_WINDOW: 'soon' });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'DEDUP_WINDOW']) expect(message).toContain(name);
    }
  });

  it('refuses MOODLE_URL without MOODLE_TOKEN (and the reverse), saying they go together', () => {
    expect(() => load({ MOODLE_URL: 'https://m.example.edu' })).toThrow(
      /MOODLE_URL and MOODLE_TOKEN go together/,
    );
    expect(() => load({ MOODLE_TOKEN: 'x' })).toThrow(/go together/);
  });

  it('reads the Moodle provisioning settings with their defaults', () => {
    const config = load({
      MOODLE_URL: 'https://m.example.edu',
      MOODLE_TOKEN: 't',
      MOODLE_SUSPEND_STATUSES: 'Left, Expelled',
    });
    expect(config.moodle).toMatchObject({ concurrency: 4, timeoutMs: 15000 });
    expect(moduleSettings(config, students)).toMatchObject({
      usernameFrom: 'email',
      auth: 'manual',
      suspendStatuses: ['Left', 'Expelled'],
      onDelete: 'suspend',
    });
    expect(() => load({ MOODLE_ON_DELETE: 'purge' })).toThrow(/MOODLE_ON_DELETE/);
  });

  it('adopts unlinked accounts by default and reads the protected users in lowercase', () => {
    expect(moduleSettings(load({}), students)).toMatchObject({
      adoptExisting: 'unlinked',
      protectedUsers: [],
    });
    const config = load({
      MOODLE_ADOPT_EXISTING: 'never',
      MOODLE_PROTECTED_USERS: ' 7, Teacher.One ,Head@School.EDU',
    });
    expect(moduleSettings(config, students)).toMatchObject({
      adoptExisting: 'never',
      protectedUsers: ['7', 'teacher.one', 'head@school.edu'],
    });
    expect(() => load({ MOODLE_ADOPT_EXISTING: 'always' })).toThrow(/MOODLE_ADOPT_EXISTING/);
  });

  it('reads TRUST_PROXY as off, every peer, a hop count or a list of addresses, and refuses anything else', () => {
    expect(load({}).http.trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: 'off' }).http.trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: '0' }).http.trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(load({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(load({ TRUST_PROXY: ' 10.0.0.5, 192.168.0.0/16 ,loopback,::1' }).http.trustProxy).toEqual([
      '10.0.0.5',
      '192.168.0.0/16',
      'loopback',
      '::1',
    ]);
    expect(() => load({ TRUST_PROXY: 'proxy.example.edu' })).toThrow(/TRUST_PROXY: must be false, true/);
    expect(() => load({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
  });

  it('bounds the wait for headers and for whole requests, headers first', () => {
    expect(load({}).http).toMatchObject({ headersTimeoutSeconds: 10, requestTimeoutSeconds: 30 });
    expect(load({ HEADERS_TIMEOUT: '5', REQUEST_TIMEOUT: '2m' }).http).toMatchObject({
      headersTimeoutSeconds: 5,
      requestTimeoutSeconds: 120,
    });
    expect(() => load({ REQUEST_TIMEOUT: '0' })).toThrow(/REQUEST_TIMEOUT: must be from 1 second/);
    expect(() => load({ HEADERS_TIMEOUT: '60', REQUEST_TIMEOUT: '30' })).toThrow(
      /HEADERS_TIMEOUT \(60 s\) must not be longer than REQUEST_TIMEOUT/,
    );
  });

  it("lists the intake limits in the README's configuration table with their defaults", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const { webhook } = load({});
    for (const [name, value] of [
      ['MAX_FIELD_LENGTH', webhook.maxFieldLength],
      ['MAX_FIELDS', webhook.maxFields],
      ['MAX_JSON_DEPTH', webhook.maxJsonDepth],
      ['MAX_RECORDS_PER_DELIVERY', webhook.maxRecordsPerDelivery],
      ['BODY_LIMIT', webhook.bodyLimitBytes],
    ] as const) {
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\| \`${value}\` +\\|`, 'm'));
    }
  });

  it("lists every module's settings in the README's configuration table", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = MODULES.flatMap((module) => module.settings?.documented ?? []);
    expect(documented.length).toBeGreaterThan(0);
    for (const [name, defaultValue] of documented) {
      expect(readme).toMatch(
        new RegExp(`^\\| \`${name}\` +\\| ${defaultValue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\|`, 'm'),
      );
    }
  });
});
