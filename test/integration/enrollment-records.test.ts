import { afterEach, describe, expect, it } from 'vitest';
import type { RelatedSection } from '../../src/modules/zoho-module.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { classRecord, enrollmentRecord, postRecord, studentRecord } from '../helpers/school-deliveries.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let moodle: FakeMoodle | undefined;
let service: TestService | undefined;
afterEach(async () => {
  await service?.cleanup();
  await moodle?.close();
  service = undefined;
  moodle = undefined;
});

const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/**
 * A class IT-8700201 with three enrollments: student 8700101 active, 8700102 withdrawn, and 8700103 waiting for
 * its student, who has not arrived.
 */
async function school() {
  moodle = await startFakeMoodle();
  service = await startTestService(
    {
      MOODLE_URL: moodle.url,
      MOODLE_TOKEN: moodle.token,
      MOODLE_DEFAULT_CATEGORY_ID: '1',
      WORKER_ENABLED: 'false',
    },
    { threads: false },
  );
  await service.moodleHealth.refresh();
  await postRecord(service, 'student', studentRecord('8700101'));
  await postRecord(service, 'student', studentRecord('8700102'));
  await postRecord(service, 'class', classRecord('8700201'));
  await service.worker.drain();
  const klass = { class: '8700201' };
  await postRecord(service, 'enrollment', enrollmentRecord('8700001', { ...klass, student: '8700101' }));
  await postRecord(
    service,
    'enrollment',
    enrollmentRecord('8700002', { ...klass, student: '8700102' }, { Enrollment_Status: 'Withdrawn' }),
  );
  await postRecord(service, 'enrollment', enrollmentRecord('8700003', { ...klass, student: '8700103' }));
  await service.worker.drain();
  return service;
}

async function get(s: TestService, url: string) {
  const response = await s.app.inject({ method: 'GET', url, headers: bearer });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Record<string, unknown> & { related: RelatedSection[]; events: unknown[] };
}

describe("a student's courses and a class's students", () => {
  it("lists a student's courses with their enrolment state", async () => {
    const s = await school();
    const body = await get(s, '/api/v1/students/8700102');
    const courses = body.related.find((section) => section.title === 'Courses (enrollments)');
    expect(courses?.rows).toEqual([
      {
        cells: [
          '8700201',
          expect.any(Number),
          '8700002',
          'Withdrawn',
          '2027-01-04 – 2027-06-30',
          'suspended',
        ],
        link: { section: 'classes', recordId: '8700201' },
      },
    ]);
  });

  it("lists a class's students, found by its short name, with active, suspended and waiting ones", async () => {
    const s = await school();
    const body = await get(s, '/api/v1/classes/it-8700201');
    expect(body.class).toMatchObject({ zoho_record_id: '8700201', class_short_name: 'IT-8700201' });
    const students = body.related.find((section) => section.title === 'Students (enrollments)');
    const byEnrollment = new Map(students?.rows.map((row) => [row.cells[2], row]));
    expect(byEnrollment.get('8700001')).toEqual({
      cells: ['8700101', expect.any(Number), '8700001', 'Active', '2027-01-04 – 2027-06-30', 'active'],
      link: { section: 'students', recordId: '8700101' },
    });
    expect(byEnrollment.get('8700002')?.cells[5]).toBe('suspended');
    expect(byEnrollment.get('8700003')).toEqual({
      cells: [
        '8700103',
        null,
        '8700003',
        null,
        null,
        expect.stringMatching(/^waiting: Waits for BTEC_Students/),
      ],
      link: { section: 'students', recordId: '8700103' },
    });
  });

  it('shows the same on the dashboard page of the class', async () => {
    const s = await school();
    const login = await s.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: TEST_ADMIN_TOKEN, next: '/admin/classes' }).toString(),
    });
    const cookie = login.cookies.find((c) => c.name === 'mzi_admin');
    const page = await s.app.inject({
      method: 'GET',
      url: '/admin/classes/8700201',
      headers: { cookie: `${cookie?.name}=${cookie?.value}` },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Students (enrollments)');
    expect(page.body).toContain('href="/admin/students/8700101"');
    for (const state of ['active', 'suspended', 'waiting']) expect(page.body).toContain(state);
  });

  it('shows an enrollment with its Moodle enrolment, student and class', async () => {
    const s = await school();
    const body = await get(s, '/api/v1/enrollments/8700001');
    expect(body.enrollment).toMatchObject({
      zoho_record_id: '8700001',
      moodle_state: 'active',
      moodle_role_id: 5,
    });
    const parties = body.related.find((section) => section.title === 'Student and class');
    expect(parties?.rows).toEqual([
      { cells: ['Student', '8700101'], link: { section: 'students', recordId: '8700101' } },
      { cells: ['Class', '8700201'], link: { section: 'classes', recordId: '8700201' } },
    ]);
    expect(body.events).toHaveLength(1);
  });
});
