import { describe, expect, it } from 'vitest';
import { enrollments } from '../../src/modules/enrollments/index.js';
import { createLinksOf, MODULES } from '../../src/modules/index.js';
import { type FakeMoodle, type FakeMoodleOptions, RESTRICTED_CAPABILITIES } from '../helpers/fake-moodle.js';
import { useMoodleService } from '../helpers/moodle-service.js';
import {
  type BodyShape,
  classRecord,
  enrollmentRecord,
  eventOf,
  postRecord,
  studentRecord,
} from '../helpers/school-deliveries.js';
import type { TestService } from '../helpers/test-service.js';

/** Midnight of 2027-01-04 and the midnight that ends 2027-06-30 in Beirut (UTC+2 in winter, UTC+3 in summer). */
const BEIRUT_START = Date.UTC(2027, 0, 3, 22) / 1000;
const BEIRUT_END = Date.UTC(2027, 5, 30, 21) / 1000;

const TOKENS: Array<[string, FakeMoodleOptions]> = [
  ['the admin token', {}],
  ['the restricted web-service user', { restricted: true }],
];

const setup = useMoodleService({ MOODLE_DEFAULT_CATEGORY_ID: '1', SCHOOL_TIMEZONE: 'Asia/Beirut' });

const linksOf = createLinksOf(MODULES);

/** Sends a student and a class and processes them: the Moodle user and course an enrollment of them gets. */
async function studentAndClass(s: TestService, studentId: string, classId: string, classData = {}) {
  await postRecord(s, 'student', studentRecord(studentId));
  await postRecord(s, 'class', classRecord(classId, classData));
  await s.worker.drain();
  const db = s.database.db;
  const user = (await linksOf('student', db, [studentId])).get(studentId);
  const course = (await linksOf('class', db, [classId])).get(classId);
  expect(user, `student ${studentId} has a Moodle user`).toBeDefined();
  return { userId: user?.moodleId ?? 0, courseId: course?.moodleId ?? 0 };
}

/** Posts an enrollment and processes everything due; returns its event. */
async function enrol(
  s: TestService,
  record: { recordId: string; operation: string; data: Record<string, unknown> },
  shape: BodyShape = 'custom',
) {
  const eventId = await postRecord(s, 'enrollment', record, shape);
  await s.worker.drain();
  return eventOf(s, eventId);
}

const calls = (m: FakeMoodle, fn: string) => m.requests.filter((r) => r.wsfunction === fn);

describe.each(TOKENS)('enrollments in Moodle with %s', (_name, fake) => {
  it('enrols the student with the student role and the dates of the school time zone', async () => {
    const { moodle, service } = await setup({}, fake);
    const { userId, courseId } = await studentAndClass(service, '8100001', '8200001');
    const event = await enrol(service, enrollmentRecord('8300001', { student: '8100001', class: '8200001' }));
    expect(event.status, event.error_message ?? '').toBe('completed');
    expect(event.resultJson).toEqual({
      local: 'created',
      moodle: {
        action: 'enrolled',
        user_id: userId,
        course_id: courseId,
        role_id: 5,
        timestart: BEIRUT_START,
        timeend: BEIRUT_END,
        state: 'active',
      },
    });
    const enrolment = moodle.enrolment(courseId, userId);
    expect(enrolment).toMatchObject({ status: 0, timestart: BEIRUT_START, timeend: BEIRUT_END });
    expect([...(enrolment?.roles ?? [])]).toEqual([5]);
    const [row] = await enrollments.records.find(service.database.db, '8300001');
    expect(row).toMatchObject({
      student_record_id: '8100001',
      class_record_id: '8200001',
      enrollment_status: 'Active',
      enrollment_type: 'Full time',
      moodle_user_id: userId,
      moodle_course_id: courseId,
      moodle_state: 'active',
      moodle_timestart: BEIRUT_START,
      deleted_at: null,
    });
  });

  it('suspends the enrolment for a leaving status, keeping its dates, and reactivates it', async () => {
    const { moodle, service } = await setup({}, fake);
    const { userId, courseId } = await studentAndClass(service, '8100002', '8200002');
    const parties = { student: '8100002', class: '8200002' };
    await enrol(service, enrollmentRecord('8300002', parties));
    const withdrawn = await enrol(
      service,
      enrollmentRecord('8300002', parties, { Enrollment_Status: 'withdrawn' }, 'update'),
    );
    expect(withdrawn.resultJson?.moodle).toMatchObject({ action: 'suspended', state: 'suspended' });
    expect(moodle.enrolment(courseId, userId)).toMatchObject({
      status: 1,
      timestart: BEIRUT_START,
      timeend: BEIRUT_END,
    });
    const back = await enrol(service, enrollmentRecord('8300002', parties, {}, 'update'));
    expect(back.resultJson?.moodle).toMatchObject({ action: 'reactivated', state: 'active' });
    expect(moodle.enrolment(courseId, userId)).toMatchObject({
      status: 0,
      timestart: BEIRUT_START,
      timeend: BEIRUT_END,
    });
    // The same state again sends nothing: every enrol call re-sends the course's welcome message (150).
    const before = calls(moodle, 'enrol_manual_enrol_users').length;
    const same = await enrol(
      service,
      enrollmentRecord('8300002', parties, { Enrollment_Type: 'Part time' }, 'update'),
    );
    expect(same.resultJson?.moodle).toMatchObject({ action: 'unchanged' });
    expect(calls(moodle, 'enrol_manual_enrol_users')).toHaveLength(before);
  });

  it('suspends the enrolment of a deleted enrollment, and a later insert reactivates it', async () => {
    const { moodle, service } = await setup({}, fake);
    const { userId, courseId } = await studentAndClass(service, '8100003', '8200003');
    const parties = { student: '8100003', class: '8200003' };
    await enrol(service, enrollmentRecord('8300003', parties));
    // Zoho's delete carries only the record id.
    const deleted = await enrol(service, { recordId: '8300003', operation: 'delete', data: {} });
    expect(deleted.status, deleted.error_message ?? '').toBe('completed');
    expect(deleted.resultJson).toMatchObject({ local: 'deleted', moodle: { action: 'suspended' } });
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 1, timestart: BEIRUT_START });
    const restored = await enrol(service, enrollmentRecord('8300003', parties));
    expect(restored.resultJson).toMatchObject({ local: 'restored', moodle: { action: 'reactivated' } });
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0, timestart: BEIRUT_START });
  });

  it('removes the enrolment of a deleted enrollment with MOODLE_ON_UNENROL=unenrol', async () => {
    const { moodle, service } = await setup({ MOODLE_ON_UNENROL: 'unenrol' }, fake);
    const { userId, courseId } = await studentAndClass(service, '8100004', '8200004');
    const parties = { student: '8100004', class: '8200004' };
    await enrol(service, enrollmentRecord('8300004', parties));
    const deleted = await enrol(service, { recordId: '8300004', operation: 'delete', data: {} });
    expect(deleted.resultJson).toMatchObject({
      local: 'deleted',
      moodle: { action: 'unenrolled', state: 'unenrolled' },
    });
    expect(moodle.enrolment(courseId, userId)).toBeUndefined();
    const again = await enrol(service, enrollmentRecord('8300004', parties));
    expect(again.resultJson?.moodle).toMatchObject({ action: 'enrolled', state: 'active' });
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0 });
  });

  it('fails, naming the course page to fix, when the course has no enabled manual enrolment', async () => {
    const { moodle, service } = await setup({}, fake);
    const { courseId } = await studentAndClass(service, '8100005', '8200005');
    moodle.setManualInstance(courseId, 'disabled');
    const event = await enrol(service, enrollmentRecord('8300005', { student: '8100005', class: '8200005' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.wsnoinstance' });
    expect(event.error_message).toContain(`enrollment 8300005 (student 8100005, class 8200005)`);
    expect(event.error_message).toContain(`Moodle course ${courseId}`);
    expect(event.error_message).toContain('Participants > Enrolment methods');
  });

  it('fails an unknown role id, naming MOODLE_STUDENT_ROLE_ID and the role assignments page', async () => {
    const { service } = await setup({ MOODLE_STUDENT_ROLE_ID: '999' }, fake);
    await studentAndClass(service, '8100006', '8200006');
    const event = await enrol(service, enrollmentRecord('8300006', { student: '8100006', class: '8200006' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.wsusercannotassign' });
    expect(event.error_message).toContain('role 999');
    expect(event.error_message).toContain('MOODLE_STUDENT_ROLE_ID');
    expect(event.error_message).toContain('Allow role assignments');
  });

  it('fails an enrolment into a course that no longer exists in Moodle', async () => {
    const { moodle, service } = await setup({}, fake);
    const { userId, courseId } = await studentAndClass(service, '8100007', '8200007');
    moodle.courses.delete(courseId);
    const event = await enrol(service, enrollmentRecord('8300007', { student: '8100007', class: '8200007' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.invalidparameter' });
    expect(event.error_message).toContain(`no course ${courseId} or no user ${userId}`);
  });

  it('enrols a student whose Moodle account is suspended, with a warning that they cannot log in', async () => {
    const { moodle, service } = await setup({}, fake);
    const { userId, courseId } = await studentAndClass(service, '8100008', '8200008');
    const user = moodle.users.get(userId);
    if (user) user.suspended = true;
    const event = await enrol(service, enrollmentRecord('8300008', { student: '8100008', class: '8200008' }));
    expect(event.status).toBe('completed');
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0 });
    expect(event.warningList).toEqual([
      expect.stringMatching(new RegExp(`Moodle user ${userId} .* account itself is suspended`)),
    ]);
  });

  it('completes an enrolment Moodle stored but could not mail, with a warning about the site mail', async () => {
    const { moodle, service } = await setup({}, { ...fake, noMailTransport: true });
    const { userId, courseId } = await studentAndClass(service, '8100009', '8200009');
    // A course contact (an editing teacher) sends the welcome message.
    const teacher = moodle.addUser({ username: 'teacher9', email: 'teacher9@school.example' });
    moodle.addEnrolment(courseId, teacher.id, { roles: [3] });
    const event = await enrol(service, enrollmentRecord('8300009', { student: '8100009', class: '8200009' }));
    expect(event.status, event.error_message ?? '').toBe('completed');
    expect(event.warningList).toEqual([expect.stringContaining('Outgoing mail configuration')]);
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0, timestart: BEIRUT_START });
  });

  it('enrols a batch in one call per course and fails only the bad enrolment of a refused batch', async () => {
    const { moodle, service } = await setup({}, fake);
    const ids = ['1', '2', '3', '4'].map((n) => `81001${n}`);
    for (const id of ids) await postRecord(service, 'student', studentRecord(id));
    await postRecord(service, 'class', classRecord('8200010'));
    await service.worker.drain();
    const users = await linksOf('student', service.database.db, ids);
    // The third student's account was deleted in Moodle since.
    const gone = users.get(ids[2] as string)?.moodleId ?? 0;
    const user = moodle.users.get(gone);
    if (user) user.deleted = true;
    const before = calls(moodle, 'enrol_manual_enrol_users').length;
    const eventIds: string[] = [];
    for (const [i, id] of ids.entries()) {
      eventIds.push(
        await postRecord(
          service,
          'enrollment',
          enrollmentRecord(`830010${i}`, { student: id, class: '8200010' }),
        ),
      );
    }
    await service.worker.drain();
    const events = await Promise.all(eventIds.map((id) => eventOf(service, id)));
    expect(events.map((e) => e.status)).toEqual(['completed', 'completed', 'failed', 'completed']);
    expect(events[2]?.error_message).toContain(`no user ${gone}`);
    // One refused batch of four, then each alone.
    expect(
      calls(moodle, 'enrol_manual_enrol_users')
        .slice(before)
        .map((r) => Object.keys(r.params.enrolments as object).length),
    ).toEqual([4, 1, 1, 1, 1]);
  });
});

describe('enrollments with the restricted web-service user', () => {
  it('names the role and "Allow role assignments" when the user may not assign the role', async () => {
    const { service } = await setup({ MOODLE_STUDENT_ROLE_ID: '3' }, { restricted: true });
    await studentAndClass(service, '8100020', '8200020');
    const event = await enrol(service, enrollmentRecord('8300020', { student: '8100020', class: '8200020' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.wsusercannotassign' });
    expect(event.error_message).toMatch(/role 3.*MOODLE_STUDENT_ROLE_ID.*Allow role assignments/);
  });

  it('names the missing capability enrol/manual:enrol', async () => {
    const { service } = await setup(
      {},
      {
        restricted: {
          capabilities: RESTRICTED_CAPABILITIES.filter((c) => c !== 'enrol/manual:enrol'),
        },
      },
    );
    await studentAndClass(service, '8100021', '8200021');
    const event = await enrol(service, enrollmentRecord('8300021', { student: '8100021', class: '8200021' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.nopermissions' });
    expect(event.error_message).toContain('enrol/manual:enrol (Enrol users)');
  });

  it('names moodle/course:viewhiddencourses for a hidden course', async () => {
    const { moodle, service } = await setup({}, { restricted: true });
    const { courseId } = await studentAndClass(service, '8100022', '8200022');
    const course = moodle.courses.get(courseId);
    if (course) course.visible = 0;
    const event = await enrol(service, enrollmentRecord('8300022', { student: '8100022', class: '8200022' }));
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.requireloginerror' });
    expect(event.error_message).toContain('moodle/course:viewhiddencourses');
  });

  it('is what the admin token does not meet: it enrols into a hidden course', async () => {
    const { moodle, service } = await setup();
    const { userId, courseId } = await studentAndClass(service, '8100023', '8200023');
    const course = moodle.courses.get(courseId);
    if (course) course.visible = 0;
    const event = await enrol(service, enrollmentRecord('8300023', { student: '8100023', class: '8200023' }));
    expect(event.status).toBe('completed');
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0 });
  });
});
