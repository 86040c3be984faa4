import { afterEach, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/index.js';
import { MOODLE_CORE_FUNCTIONS } from '../../src/moodle/create-moodle-client.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';

let fake: FakeMoodle | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Transcripts #46-#48 and #51, debugging off. */
const INVALID_PARAMETER = {
  exception: 'core\\exception\\invalid_parameter_exception',
  errorcode: 'invalidparameter',
  message: 'Invalid parameter value detected',
};

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
    const body = (await response.json()) as Record<string, unknown>;
    // Past the token, installed-function and service checks (#49-#53) only the parameters can stop a call:
    // a function with required parameters gets Moodle's invalid-parameter body (#46-#48, #51), the rest a
    // result. An uninstalled or unlisted function would answer invalidrecordunknown or accessexception.
    expect([undefined, INVALID_PARAMETER.exception]).toContain(body.exception);
    if (body.exception !== undefined) expect(body).toEqual(INVALID_PARAMETER);
  });
});
