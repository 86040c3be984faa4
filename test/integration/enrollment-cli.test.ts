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

const send = (module: string, recordId: string, fields: string[]) =>
  runMzi(
    [
      'send',
      module,
      '--url',
      server.baseUrl,
      '--operation',
      'insert',
      '--record-id',
      recordId,
      ...fields.flatMap((field) => ['--field', field]),
    ],
    env,
  );

describe('mzi for enrollments', () => {
  it('sends an enrollment to a running server, which mirrors it once its student and class are in', async () => {
    expect(send('student', '9400001', ['Academic_Email=cli.enrol@student.example.edu']).code).toBe(0);
    expect(send('class', '9400002', ['Class_Name=IT L3', 'Class_Short_Name=IT-L3-CLI']).code).toBe(0);
    const enrollment = send('enrollment', '9400003', [
      'Enrolled_Students=9400001',
      'Classes=9400002',
      'Start_Date=2027-01-04',
      'Enrollment_Status=Active',
    ]);
    expect(enrollment.code, enrollment.stderr).toBe(0);
    expect(enrollment.stdout).toContain('"status":"queued"');
    await waitForIdle(server.baseUrl);
    const list = runMzi(['events', 'list', '--module', 'BTEC_Enrollments'], env);
    expect(list.stdout).toMatch(/\[completed\] BTEC_Enrollments\.insert/);
  });

  it("shows a student's courses and a class's students", () => {
    const student = runMzi(['students', 'show', '9400001'], env);
    expect(student.code, student.stderr).toBe(0);
    const courses = JSON.parse(student.stdout).related.find(
      (section: { title: string }) => section.title === 'Courses (enrollments)',
    );
    expect(courses.rows).toEqual([
      {
        cells: ['9400002', null, '9400003', 'Active', '2027-01-04 – …', 'not in Moodle'],
        link: { section: 'classes', recordId: '9400002' },
      },
    ]);
    const klass = runMzi(['classes', 'show', 'it-l3-cli'], env);
    expect(klass.code, klass.stderr).toBe(0);
    const shown = JSON.parse(klass.stdout);
    expect(shown.zoho_record_id).toBe('9400002');
    const students = shown.related.find(
      (section: { title: string }) => section.title === 'Students (enrollments)',
    );
    expect(students.rows[0].cells.slice(0, 3)).toEqual(['9400001', null, '9400003']);
  });

  it('prints the Zoho webhook setup, with the lookups as parameters', () => {
    const result = runMzi(['zoho-setup', 'enrollment', '--url', 'https://mzi.school.example'], {
      ...env,
      ZOHO_WEBHOOK_TOKEN: 'zoho-token-value',
    });
    expect(result.code, result.stderr).toBe(0);
    for (const op of ['insert', 'update', 'delete']) {
      expect(result.stdout).toContain(
        `https://mzi.school.example/api/v1/events/zoho/enrollment?operation=${op}`,
      );
    }
    expect(result.stdout).toContain('${!BTEC_Enrollments.Enrolled_Students}');
    expect(result.stdout).toContain('${!BTEC_Enrollments.Classes}');
  });
});
