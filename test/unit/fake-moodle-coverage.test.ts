import { afterEach, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/index.js';
import { MOODLE_CORE_FUNCTIONS } from '../../src/moodle/create-moodle-client.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';

let fake: FakeMoodle | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const DECLARED = [
  ...new Set([...MOODLE_CORE_FUNCTIONS, ...MODULES.flatMap((module) => module.moodleFunctions)]),
];

describe('the fake Moodle', () => {
  it.each(DECLARED)('serves %s, which a module declares it calls', async (wsfunction) => {
    fake = await startFakeMoodle();
    const response = await fetch(`${fake.url}/webservice/rest/server.php?moodlewsrestformat=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ wstoken: fake.token, wsfunction }).toString(),
    });
    // Moodle answers 200 whatever the outcome; the fake answers 500 only for a function it does not implement.
    expect(response.status).toBe(200);
    const body = (await response.json()) as { errorcode?: string } | null;
    expect(body?.errorcode).not.toBe('accessexception');
  });
});
