import { afterEach } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from './fake-moodle.js';
import { type FakeZoho, startFakeZoho } from './fake-zoho.js';
import { startTestService, type TestService } from './test-service.js';

export interface ZohoService {
  zoho: FakeZoho;
  moodle: FakeMoodle;
  service: TestService;
}

/**
 * For a test file whose tests each run mzi against a fake Moodle and a fake Zoho: returns `start(env)`, which
 * starts all three (mzi connected to the fake Zoho through the ZOHO_* settings, its worker in this thread, run by
 * `service.worker.drain()`; `threads: true` runs it in its thread on SQLite, as `mzi serve` does), and closes them
 * after each test. `connected: false` leaves the Zoho settings out.
 */
export function useZohoService(defaults: Record<string, string> = {}) {
  let current: Partial<ZohoService> = {};
  afterEach(async () => {
    await current.service?.cleanup();
    await current.moodle?.close();
    await current.zoho?.close();
    current = {};
  });
  return async function start(
    env: Record<string, string> = {},
    options: { connected?: boolean; threads?: boolean } = {},
  ): Promise<ZohoService> {
    const zoho = await startFakeZoho();
    current.zoho = zoho;
    const moodle = await startFakeMoodle();
    current.moodle = moodle;
    const credentials =
      options.connected === false
        ? {}
        : {
            ZOHO_CLIENT_ID: zoho.credentials.clientId,
            ZOHO_CLIENT_SECRET: zoho.credentials.clientSecret,
            ZOHO_REFRESH_TOKEN: zoho.credentials.refreshToken,
            ZOHO_ACCOUNTS_URL: zoho.accountsUrl,
          };
    const service = await startTestService(
      {
        MOODLE_URL: moodle.url,
        MOODLE_TOKEN: moodle.token,
        MOODLE_TIMEOUT: '2',
        WORKER_ENABLED: 'false',
        ...credentials,
        ...defaults,
        ...env,
      },
      { threads: options.threads ?? false },
    );
    current.service = service;
    await service.moodleHealth.refresh();
    return { zoho, moodle, service };
  };
}
