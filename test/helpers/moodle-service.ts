import { afterEach } from 'vitest';
import { type FakeMoodle, type FakeMoodleOptions, startFakeMoodle } from './fake-moodle.js';
import { startTestService, type TestService } from './test-service.js';

export interface MoodleService {
  moodle: FakeMoodle;
  service: TestService;
}

/**
 * For a test file whose tests each run mzi against a fake Moodle: returns `start(env, fake)`, which starts both
 * (the worker in this thread, run by `service.worker.drain()`; Moodle's health read), and closes them after each
 * test. `env` adds to `defaults` and may read the fake first, e.g. to name a category it holds.
 */
export function useMoodleService(defaults: Record<string, string> = {}) {
  let current: MoodleService | undefined;
  afterEach(async () => {
    await current?.service.cleanup();
    await current?.moodle.close();
    current = undefined;
  });
  return async function start(
    env: Record<string, string> | ((moodle: FakeMoodle) => Record<string, string>) = {},
    fake: FakeMoodleOptions = {},
  ): Promise<MoodleService> {
    const moodle = await startFakeMoodle(fake);
    current = { moodle, service: undefined as unknown as TestService };
    const extra = typeof env === 'function' ? env(moodle) : env;
    const service = await startTestService(
      {
        MOODLE_URL: moodle.url,
        MOODLE_TOKEN: moodle.token,
        MOODLE_TIMEOUT: '2',
        WORKER_ENABLED: 'false',
        ...defaults,
        ...extra,
      },
      { threads: false },
    );
    current.service = service;
    await service.moodleHealth.refresh();
    return current;
  };
}
