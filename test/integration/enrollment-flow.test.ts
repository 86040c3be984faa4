import { describe, expect, it, onTestFinished } from 'vitest';
import { enrollments } from '../../src/modules/enrollments/index.js';
import { createLinksOf, MODULES } from '../../src/modules/index.js';
import type { FakeMoodle } from '../helpers/fake-moodle.js';
import { useMoodleService } from '../helpers/moodle-service.js';
import {
  type BodyShape,
  classRecord,
  enrollmentRecord,
  eventOf,
  postRecord,
  studentRecord,
} from '../helpers/school-deliveries.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const linksOf = createLinksOf(MODULES);

const setup = useMoodleService({ MOODLE_DEFAULT_CATEGORY_ID: '1' });

/** The Moodle user of a student and the course of a class, once processed. */
async function linked(s: TestService, studentId: string, classId: string) {
  const db = s.database.db;
  const user = (await linksOf('student', db, [studentId])).get(studentId);
  const course = (await linksOf('class', db, [classId])).get(classId);
  return { userId: user?.moodleId ?? 0, courseId: course?.moodleId ?? 0 };
}

const enrolCalls = (m: FakeMoodle) => m.requests.filter((r) => r.wsfunction === 'enrol_manual_enrol_users');

describe('enrollments arriving in any order', () => {
  it('waits for a student and class that arrive after it, then enrols', async () => {
    const { moodle, service } = await setup();
    const enrollment = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400001', { student: '8400101', class: '8400201' }),
    );
    await service.worker.drain();
    expect(await eventOf(service, enrollment)).toMatchObject({
      status: 'pending',
      attempts: 0,
      error_code: 'dependency.waiting',
    });
    await postRecord(service, 'class', classRecord('8400201'));
    await service.worker.drain();
    expect((await eventOf(service, enrollment)).status).toBe('pending');
    await postRecord(service, 'student', studentRecord('8400101'));
    await service.worker.drain();
    const event = await eventOf(service, enrollment);
    expect(event.status, event.error_message ?? '').toBe('completed');
    const { userId, courseId } = await linked(service, '8400101', '8400201');
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0 });
  });

  it('waits for a class that has no course until it is Active, then enrols', async () => {
    const { moodle, service } = await setup();
    await postRecord(service, 'student', studentRecord('8400108'));
    await postRecord(service, 'class', classRecord('8400208', { Class_Status: 'Planned' }));
    await service.worker.drain();
    const enrollment = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400008', { student: '8400108', class: '8400208' }),
    );
    await service.worker.drain();
    const waiting = await eventOf(service, enrollment);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, error_code: 'dependency.waiting' });
    expect(waiting.error_message).toContain('BTEC_Classes record 8400208');
    expect(waiting.error_message).toContain('MOODLE_COURSE_CREATE_STATUSES');
    await postRecord(service, 'class', { ...classRecord('8400208'), operation: 'update' });
    await service.worker.drain();
    const done = await eventOf(service, enrollment);
    expect(done.status, done.error_message ?? '').toBe('completed');
    const { userId, courseId } = await linked(service, '8400108', '8400208');
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0 });
  });

  it('fails after ENROLMENT_WAIT_MAX, naming the record it waited for', async () => {
    const { service } = await setup({ ENROLMENT_WAIT_MAX: '2h' });
    await postRecord(service, 'student', studentRecord('8400109'));
    await postRecord(service, 'class', classRecord('8400209', { Class_Status: 'Planned' }));
    await service.worker.drain();
    const enrollment = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400009', { student: '8400109', class: '8400209' }),
    );
    await service.worker.drain();
    expect((await eventOf(service, enrollment)).status).toBe('pending');
    // As if it had waited three hours: due now, waiting since then.
    const past = (ms: number) => new Date(Date.now() - ms).toISOString();
    await service.database.db
      .updateTable('integration_events_log')
      .set({ waiting_since: past(3 * 3600_000), next_attempt_at: past(1000) })
      .where('event_id', '=', enrollment)
      .execute();
    await service.worker.drain();
    const failed = await eventOf(service, enrollment);
    expect(failed).toMatchObject({ status: 'failed', error_code: 'dependency.missing' });
    expect(failed.error_message).toContain('2 h');
    expect(failed.error_message).toContain('8400209');
  });

  it('takes lookups sent as Zoho objects with an id and a name, and keeps only the id', async () => {
    const { moodle, service } = await setup();
    await postRecord(service, 'student', studentRecord('8400110'));
    await postRecord(service, 'class', classRecord('8400210'));
    await service.worker.drain();
    const eventId = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400010', {
        student: { id: '8400110', name: 'Lina Haddad' },
        class: { id: '8400210', name: 'BTEC IT 8400210' },
      }),
    );
    await service.worker.drain();
    const event = await eventOf(service, eventId);
    expect(event.status, event.error_message ?? '').toBe('completed');
    expect(event.payload).not.toContain('Lina');
    const [row] = await enrollments.records.find(service.database.db, '8400010');
    expect(row).toMatchObject({ student_record_id: '8400110', class_record_id: '8400210' });
    const { userId, courseId } = await linked(service, '8400110', '8400210');
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0 });
  });

  it('does not wait to delete: a delete names its student and class but needs neither', async () => {
    const { service } = await setup();
    const deleted = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400009', { student: '8400109', class: '8400209' }, {}, 'delete'),
    );
    await service.worker.drain();
    const event = await eventOf(service, deleted);
    expect(event.status, event.error_message ?? '').toBe('completed');
    expect(event.error_code).toBeNull();
  });

  it.each<BodyShape>(['custom', 'form', 'flat'])('takes an enrollment as a %s body', async (shape) => {
    const { moodle, service } = await setup();
    await postRecord(service, 'student', studentRecord('8400102'));
    await postRecord(service, 'class', classRecord('8400202'));
    await service.worker.drain();
    const eventId = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400002', { student: '8400102', class: '8400202' }, { Enrollment_Status: 'Dropped' }),
      shape,
    );
    await service.worker.drain();
    const event = await eventOf(service, eventId);
    expect(event.status, event.error_message ?? '').toBe('completed');
    expect(event.resultJson?.moodle).toMatchObject({ action: 'suspended' });
    const { userId, courseId } = await linked(service, '8400102', '8400202');
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 1 });
  });
});

describe('enrollments that share or change their Moodle enrolment', () => {
  it('keeps the enrolment active while another enrollment of the same student and class is active', async () => {
    const { moodle, service } = await setup();
    await postRecord(service, 'student', studentRecord('8400103'));
    await postRecord(service, 'class', classRecord('8400203'));
    await service.worker.drain();
    const parties = { student: '8400103', class: '8400203' };
    // Withdrawn once, then enrolled again as a new Zoho record.
    await postRecord(service, 'enrollment', enrollmentRecord('8400003', parties));
    await service.worker.drain();
    await postRecord(service, 'enrollment', enrollmentRecord('8400004', parties));
    await service.worker.drain();
    const withdrawn = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400003', parties, { Enrollment_Status: 'Withdrawn' }, 'update'),
    );
    await service.worker.drain();
    const event = await eventOf(service, withdrawn);
    expect(event.status).toBe('completed');
    expect(event.resultJson?.moodle).toMatchObject({ state: 'suspended', kept_active_by: '8400004' });
    expect(event.warningList).toEqual([expect.stringContaining('enrollment 8400004')]);
    const { userId, courseId } = await linked(service, '8400103', '8400203');
    expect(moodle.enrolment(courseId, userId)).toMatchObject({ status: 0 });
  });

  it('moves the Moodle enrolment when the enrollment moves to another class', async () => {
    const { moodle, service } = await setup();
    await postRecord(service, 'student', studentRecord('8400104'));
    await postRecord(service, 'class', classRecord('8400204'));
    await postRecord(service, 'class', classRecord('8400205'));
    await service.worker.drain();
    await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400005', { student: '8400104', class: '8400204' }),
    );
    await service.worker.drain();
    const moved = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400005', { student: '8400104', class: '8400205' }, {}, 'update'),
    );
    await service.worker.drain();
    const event = await eventOf(service, moved);
    expect(event.resultJson?.moodle).toMatchObject({ action: 'moved' });
    const from = await linked(service, '8400104', '8400204');
    const to = await linked(service, '8400104', '8400205');
    expect(moodle.enrolment(from.courseId, from.userId)).toMatchObject({ status: 1 });
    expect(moodle.enrolment(to.courseId, to.userId)).toMatchObject({ status: 0 });
  });
});

describe('a class of 200 enrollments', () => {
  it('enrols them all in a few calls against a Moodle answering in 50 ms', async () => {
    const { moodle, service } = await setup();
    await postRecord(service, 'class', classRecord('8400206'));
    const students = Array.from({ length: 200 }, (_, i) => `85${String(i).padStart(5, '0')}`);
    for (const id of students) await postRecord(service, 'student', studentRecord(id));
    await service.worker.drain();
    moodle.setDelay(50);
    const before = enrolCalls(moodle).length;
    const eventIds: string[] = [];
    for (const [i, id] of students.entries()) {
      eventIds.push(
        await postRecord(
          service,
          'enrollment',
          enrollmentRecord(`86${String(i).padStart(5, '0')}`, { student: id, class: '8400206' }),
        ),
      );
    }
    await service.worker.drain();
    const events = await Promise.all(eventIds.map((id) => eventOf(service as TestService, id)));
    expect(events.filter((e) => e.status !== 'completed')).toEqual([]);
    const { courseId } = await linked(service, students[0] as string, '8400206');
    expect(moodle.enrolments.get(courseId)?.size).toBe(200);
    // Batches of WORKER_BATCH_SIZE (32) events, one enrol call each.
    expect(enrolCalls(moodle).length - before).toBeLessThanOrEqual(10);
  }, 60_000);
});

describe('enrollments without Moodle', () => {
  it('keeps the mirror and says that Moodle is not configured', async () => {
    const service = await startTestService({ WORKER_ENABLED: 'false' }, { threads: false });
    onTestFinished(() => service.cleanup());
    await postRecord(service, 'student', studentRecord('8400107'));
    await postRecord(service, 'class', classRecord('8400207'));
    const eventId = await postRecord(
      service,
      'enrollment',
      enrollmentRecord('8400007', { student: '8400107', class: '8400207' }),
    );
    await service.worker.drain();
    const event = await eventOf(service, eventId);
    expect(event.status).toBe('completed');
    expect(event.resultJson).toEqual({
      local: 'created',
      moodle: {
        action: 'skipped',
        reason: 'Moodle is not configured (MOODLE_URL is empty): only the local mirror was updated.',
      },
    });
    const [row] = await enrollments.records.find(service.database.db, '8400007');
    expect(row).toMatchObject({
      student_record_id: '8400107',
      class_record_id: '8400207',
      moodle_state: null,
    });
  });
});
