import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { type MziServer, runMzi, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let moodle: FakeMoodle;
let env: Record<string, string>;
let server: MziServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  moodle = await startFakeMoodle();
  env = {
    DATABASE_URL: testDb.url,
    ZOHO_WEBHOOK_SECRET: 'cli-secret',
    MOODLE_URL: moodle.url,
    MOODLE_TOKEN: moodle.token,
  };
  server = await startMziServer(env);
});
afterAll(async () => {
  await server.stop();
  await moodle.close();
  await testDb.drop();
});

describe('mzi for teachers', () => {
  it('sends a signed teacher delivery that the running service provisions in Moodle', async () => {
    const result = runMzi(
      [
        'send',
        'teacher',
        '--url',
        server.baseUrl,
        '--record-id',
        '7200001',
        '--field',
        'Name=Cli Teacher',
        '--field',
        'Email=cli.teacher@home.example',
      ],
      env,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('HTTP 200');
    expect(result.stdout).toContain('"status":"queued"');
    await waitForIdle(server.baseUrl);
    const created = [...moodle.users.values()].find((u) => u.idnumber === 'zoho-teacher-7200001');
    expect(created).toMatchObject({
      username: 'cli.teacher@home.example',
      firstname: 'Cli',
      lastname: 'Teacher',
    });
    const shown = runMzi(['events', 'list', '--module', 'BTEC_Teachers'], env);
    expect(shown.stdout).toMatch(/^\[completed\] BTEC_Teachers\.insert/);

    // The teacher mirror, as `mzi teachers` shows it: by any of its references, and in the list.
    for (const ref of ['7200001', 'CLI.Teacher@home.example', String(created?.id)]) {
      const teacher = runMzi(['teachers', 'show', ref], env);
      expect(teacher.code).toBe(0);
      expect(JSON.parse(teacher.stdout)).toMatchObject({ zoho_record_id: '7200001', related: [] });
    }
    expect(runMzi(['teachers', 'show', 'nobody@example.edu'], env).stderr).toContain('No teacher matches');
    expect(runMzi(['teachers', 'list', '--q', 'cli'], env).stdout).toMatch(
      new RegExp(`^7200001 {2}Cli Teacher \\| cli\\.teacher@home\\.example \\| ${created?.id} `),
    );
  });

  it('refuses a field teachers do not have before sending', () => {
    const result = runMzi(
      ['send', 'teacher', '--url', server.baseUrl, '--field', 'Student_ID_Number=1'],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"Student_ID_Number" is not a BTEC_Teachers field');
  });

  it('prints the Zoho webhook setup for teachers, one webhook per operation', () => {
    const result = runMzi(['zoho-setup', 'teacher', '--url', 'https://mzi.school.example'], {
      ...env,
      ZOHO_WEBHOOK_TOKEN: 'zoho-token-value',
    });
    expect(result.code).toBe(0);
    for (const op of ['insert', 'update', 'delete'])
      expect(result.stdout).toContain(
        `https://mzi.school.example/api/v1/events/zoho/teacher?operation=${op}`,
      );
    for (const field of ['id', 'Name', 'Academic_Email', 'Email', 'Phone_Number', 'Teacher_Moodle_ID'])
      expect(result.stdout).toContain(`\${!BTEC_Teachers.${field}}`);
  });
});
