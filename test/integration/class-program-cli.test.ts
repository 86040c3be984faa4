import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MziServer, runMzi, startMziServer, waitForIdle } from '../helpers/mzi-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let testDb: TestDatabase;
let env: Record<string, string>;
let server: MziServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  env = { DATABASE_URL: testDb.url, ZOHO_WEBHOOK_SECRET: 'cli-secret' };
  server = await startMziServer(env);
});
afterAll(async () => {
  await server.stop();
  await testDb.drop();
});

describe('mzi for programs and classes', () => {
  it('sends a program and a class to a running server, which mirrors them', async () => {
    const program = runMzi(
      [
        'send',
        'program',
        '--url',
        server.baseUrl,
        '--operation',
        'insert',
        '--record-id',
        '9300001',
        '--field',
        'Product_Name=BTEC Business',
      ],
      env,
    );
    expect(program.code).toBe(0);
    expect(program.stdout).toContain('"status":"queued"');
    const klass = runMzi(
      [
        'send',
        'class',
        '--url',
        server.baseUrl,
        '--format',
        'json',
        '--operation',
        'insert',
        '--record-id',
        '9300002',
        '--field',
        'Class_Name=Business L3',
        '--field',
        'Class_Short_Name=BUS-L3',
        '--field',
        'BTEC_Program=9300001',
        '--field',
        'Start_Date=2027-01-04',
      ],
      env,
    );
    expect(klass.code).toBe(0);
    expect(klass.stdout).toContain('"status":"queued"');
    await waitForIdle(server.baseUrl);
    const list = runMzi(['events', 'list', '--module', 'BTEC_Classes'], env);
    expect(list.stdout).toMatch(/\[completed\] BTEC_Classes\.insert/);
  });

  it('shows a class by its short name and a program with its classes', () => {
    const klass = runMzi(['classes', 'show', 'bus-l3'], env);
    expect(klass.code).toBe(0);
    const shown = JSON.parse(klass.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({
      zoho_record_id: '9300002',
      class_name: 'Business L3',
      class_short_name: 'BUS-L3',
      btec_program: '9300001',
      moodle_course_id: null,
    });
    const program = runMzi(['programs', 'show', '9300001'], env);
    expect(program.code).toBe(0);
    expect(JSON.parse(program.stdout)).toMatchObject({
      product_name: 'BTEC Business',
      related: [{ title: 'Classes', rows: [{ cells: ['Business L3', 'BUS-L3', null, '—'] }] }],
    });
    expect(runMzi(['classes', 'list'], env).stdout).toContain('Business L3');
    expect(runMzi(['classes', 'show', 'NOPE'], env).code).not.toBe(0);
  });

  it('prints the Zoho webhook setup of each, with its fields as parameters', () => {
    for (const [name, apiName, field] of [
      ['program', 'Products', 'Product_Name'],
      ['class', 'BTEC_Classes', 'Class_Short_Name'],
    ] as const) {
      const result = runMzi(['zoho-setup', name, '--url', 'https://mzi.school.example'], {
        ...env,
        ZOHO_WEBHOOK_TOKEN: 'zoho-token-value',
      });
      expect(result.code).toBe(0);
      for (const op of ['insert', 'update', 'delete']) {
        expect(result.stdout).toContain(
          `https://mzi.school.example/api/v1/events/zoho/${name}?operation=${op}`,
        );
      }
      expect(result.stdout).toContain(`\${!${apiName}.${field}}`);
      expect(result.stdout).toContain(`\${!${apiName}.id}`);
    }
  });
});
