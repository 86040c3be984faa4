import { describe, expect, it } from 'vitest';
import type { Service } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import type { FakeMoodle } from '../helpers/fake-moodle.js';
import type { FakeZoho } from '../helpers/fake-zoho.js';
import { deliverRecord } from '../helpers/module-deliveries.js';
import { runMziAsync } from '../helpers/mzi-process.js';
import { TEST_ADMIN_TOKEN } from '../helpers/test-service.js';
import { useZohoService } from '../helpers/zoho-service.js';

const GRADES = 'BTEC_Grades';
const KEY = 'Moodle_Grade_Composite_Key';
const start = useZohoService({ MOODLE_DEFAULT_CATEGORY_ID: '1', MOODLE_GRADE_POLL_INTERVAL: '1s' });

const gradeRecords = (zoho: FakeZoho) => [...(zoho.state.modules.get(GRADES)?.values() ?? [])];
const gradeRecord = (zoho: FakeZoho, key: string) => gradeRecords(zoho).find((record) => record[KEY] === key);
const upserts = (zoho: FakeZoho) => zoho.state.counts.calls['POST /crm/v8/{module}/upsert'] ?? 0;

/** BTEC_Grades in the fake Zoho, its composite key a unique field (as upsert needs it). */
function withGradesModule(zoho: FakeZoho): void {
  zoho.state.uniqueFields[GRADES] = [KEY];
  zoho.state.seed(GRADES, []);
}

/** A class and two students processed by mzi, so that the class has its Moodle course and the students users. */
async function school(service: Service, moodle: FakeMoodle) {
  const classRow = await deliverRecord(service, 'class', {
    recordId: '7000000000001',
    data: {
      Class_Name: 'BTEC IT Level 3',
      Class_Short_Name: 'IT-L3-G',
      Class_Status: 'Active',
      Start_Date: '2027-01-04',
      End_Date: '2027-06-30',
    },
  });
  expect(classRow.status, classRow.error_message ?? '').toBe('completed');
  const course = [...moodle.courses.values()].find((c) => c.shortname === 'IT-L3-G');
  if (!course) throw new Error('no course');
  const students: { recordId: string; userId: number }[] = [];
  for (const n of [1, 2]) {
    const recordId = `7100000000000${n}`;
    const row = await deliverRecord(service, 'student', {
      recordId,
      data: {
        Name: `Grace Graded${n}`,
        Academic_Email: `grace.graded${n}@student.example.edu`,
        Student_ID_Number: `GR-${n}`,
        Student_Status: 'Active',
      },
    });
    expect(row.status, row.error_message ?? '').toBe('completed');
    const user = [...moodle.users.values()].find((u) => u.idnumber === `GR-${n}`);
    if (!user) throw new Error('no user');
    moodle.addEnrolment(course.id, user.id);
    students.push({ recordId, userId: user.id });
  }
  const teacher = moodle.addUser({ firstname: 'Rana', lastname: 'Teacher' });
  moodle.addGradebook(course.id);
  const scale = moodle.addScale({ name: 'BTEC', items: ['Refer', 'Pass', 'Merit', 'Distinction'] });
  const essay = moodle.addAssignment({ course: course.id, name: 'Unit 1 essay', grade: -scale.id });
  const project = moodle.addAssignment({ course: course.id, name: 'Unit 2 project', grade: 100 });
  return { course, students, teacher, essay, project, classId: '7000000000001' };
}

/** Runs the background poll now (the interval is 1 s: the next poll waits for it), then the worker. */
async function poll(service: Service) {
  const [grades] = service.moodlePolls;
  if (!grades) throw new Error('no grade poll');
  const outcome = await eventually(
    async () => {
      const round = await grades.runOnce();
      return round.status !== 'skipped' && round;
    },
    { what: 'a grade poll that is due', intervalMs: 250 },
  );
  await service.worker.drain();
  return outcome;
}

describe('grades from Moodle into Zoho', () => {
  it('upserts one BTEC_Grades record per student and assignment, with no workflow run', async () => {
    const { zoho, moodle, service } = await start();
    withGradesModule(zoho);
    const { course, students, teacher, essay, project, classId } = await school(service, moodle);
    const [first, second] = students;
    if (!first || !second) throw new Error('students');
    const stranger = moodle.addUser({ firstname: 'Not', lastname: 'Known' });
    moodle.addEnrolment(course.id, stranger.id);
    moodle.grade({
      assignment: essay.id,
      userid: first.userId,
      grade: 3,
      grader: teacher.id,
      feedback: '<p>Merit: good <strong>structure</strong></p><p>Cite &amp; reference.</p>',
      timemodified: 1796619106,
    });
    moodle.grade({ assignment: project.id, userid: second.userId, grade: 78.5, grader: teacher.id });
    moodle.grade({ assignment: project.id, userid: stranger.id, grade: 50, grader: teacher.id });

    const outcome = await poll(service);
    expect(outcome.status).toBe('done');
    expect(outcome.summary).toMatchObject({ queued: 2, skipped: { unknownStudent: 1 } });
    const essayKey = `${first.userId}_${course.id}_${essay.id}`;
    expect(gradeRecord(zoho, essayKey)).toMatchObject({
      [KEY]: essayKey,
      Name: 'Unit 1 essay',
      Student: { id: first.recordId },
      Class: { id: classId },
      Grade: 'M',
      Attempt_Number: 1,
      Attempt_Date: '2026-12-07',
      Feedback: 'Merit: good structure\n\nCite & reference.',
      Grader_Name: 'Rana Teacher',
    });
    expect(gradeRecord(zoho, `${second.userId}_${course.id}_${project.id}`)).toMatchObject({
      Grade: '78.5',
      Feedback: '',
    });
    expect(gradeRecords(zoho)).toHaveLength(2);
    expect(upserts(zoho)).toBe(1);
    expect(zoho.state.counts.workflowRuns).toEqual({});

    const events = await service.database.db
      .selectFrom('integration_events_log')
      .select(['source', 'status', 'module'])
      .where('module', '=', GRADES)
      .execute();
    expect(events).toEqual([
      { source: 'moodle', status: 'completed', module: GRADES },
      { source: 'moodle', status: 'completed', module: GRADES },
    ]);

    // Health, the dashboard and /metrics show the poll and what it skipped; the public sees counts only.
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const health = await service.app.inject({ method: 'GET', url: '/api/v1/events/health', headers: admin });
    expect(health.json().zoho_sync.moodle_polls).toMatchObject([
      {
        module: 'grade',
        status: 'on',
        last_error: null,
        last_poll: { queued: 2, skipped: { unknownStudent: 1 } },
      },
    ]);
    const stats = await service.app.inject({ method: 'GET', url: '/api/v1/events/stats' });
    expect(stats.json().by_source).toMatchObject({ moodle: 2 });
    const metrics = await service.app.inject({ method: 'GET', url: '/metrics', headers: admin });
    expect(metrics.body).toContain('mzi_moodle_poll_skipped{module="grade",reason="unknownStudent"} 1');
    expect(metrics.body).toContain('mzi_moodle_poll_failing{module="grade"} 0');

    // The grades mirror: its own pages and API, and each student's grades on the student's page.
    const one = await service.app.inject({
      method: 'GET',
      url: `/api/v1/grades/${essayKey}`,
      headers: admin,
    });
    expect(one.statusCode).toBe(200);
    expect(one.json().grade).toMatchObject({
      zoho_record_id: essayKey,
      grade: 'M',
      student_record_id: first.recordId,
    });
    const studentPage = await service.app.inject({
      method: 'GET',
      url: `/api/v1/students/${first.recordId}`,
      headers: admin,
    });
    expect(studentPage.json().related).toContainEqual(
      expect.objectContaining({
        title: 'Grades',
        rows: [expect.objectContaining({ link: { section: 'grades', recordId: essayKey } })],
      }),
    );

    // Nothing changed: a second poll appends nothing.
    expect((await poll(service)).summary).toMatchObject({ queued: 0, removed: 0 });

    // A re-grade updates the same record; a second attempt counts from 1 as Moodle shows it.
    const before = gradeRecord(zoho, essayKey)?.id;
    moodle.grade({ assignment: essay.id, userid: first.userId, grade: 4, grader: teacher.id });
    moodle.addAttempt(project.id, second.userId);
    moodle.grade({
      assignment: project.id,
      userid: second.userId,
      grade: 91,
      grader: teacher.id,
      attemptnumber: 1,
    });
    expect((await poll(service)).summary).toMatchObject({ queued: 2 });
    expect(gradeRecord(zoho, essayKey)).toMatchObject({ id: before, Grade: 'D' });
    expect(gradeRecord(zoho, `${second.userId}_${course.id}_${project.id}`)).toMatchObject({
      Grade: '91',
      Attempt_Number: 2,
    });
    expect(gradeRecords(zoho)).toHaveLength(2);
    expect(zoho.state.counts.workflowRuns).toEqual({});
  });

  it.each(['keep', 'delete'] as const)(
    'GRADES_ON_REMOVED=%s: a grade removed in Moodle is reported; its Zoho record is kept or deleted',
    async (onRemoved) => {
      {
        const { zoho, moodle, service } = await start({ GRADES_ON_REMOVED: onRemoved });
        withGradesModule(zoho);
        const { course, students, teacher, project } = await school(service, moodle);
        const [first] = students;
        if (!first) throw new Error('students');
        moodle.grade({ assignment: project.id, userid: first.userId, grade: 64, grader: teacher.id });
        await poll(service);
        const key = `${first.userId}_${course.id}_${project.id}`;
        expect(gradeRecord(zoho, key)).toMatchObject({ Grade: '64' });

        moodle.grade({ assignment: project.id, userid: first.userId, grade: null, grader: teacher.id });
        expect((await poll(service)).summary).toMatchObject({ removed: 1, queued: 0 });
        const removal = await service.database.db
          .selectFrom('integration_events_log')
          .selectAll()
          .where('module', '=', GRADES)
          .where('event_type', '=', 'delete')
          .executeTakeFirstOrThrow();
        expect(removal.status, removal.error_message ?? '').toBe('completed');
        if (onRemoved === 'keep') {
          expect(gradeRecord(zoho, key)).toMatchObject({ Grade: '64' });
          expect(JSON.parse(removal.warnings ?? '[]').join(' ')).toContain('GRADES_ON_REMOVED=keep');
        } else {
          expect(gradeRecord(zoho, key)).toBeUndefined();
          expect(JSON.parse(removal.result ?? '{}')).toMatchObject({ zoho: 'deleted' });
        }
      }
    },
  );

  it('reports the grades of an assignment deleted in Moodle, once, and keeps their Zoho records', async () => {
    const { zoho, moodle, service } = await start();
    withGradesModule(zoho);
    const { course, students, teacher, project } = await school(service, moodle);
    for (const student of students) {
      moodle.grade({ assignment: project.id, userid: student.userId, grade: 55, grader: teacher.id });
    }
    await poll(service);
    expect(gradeRecords(zoho)).toHaveLength(2);
    moodle.deleteAssignment(project.id);
    expect((await poll(service)).summary).toMatchObject({ removed: 2, queued: 0 });
    expect((await poll(service)).summary).toMatchObject({ removed: 0, queued: 0 });
    const removals = await service.database.db
      .selectFrom('integration_events_log')
      .select(['status', 'record_id'])
      .where('module', '=', GRADES)
      .where('event_type', '=', 'delete')
      .orderBy('record_id')
      .execute();
    expect(removals).toEqual(
      students.map((student) => ({
        status: 'completed',
        record_id: `${student.userId}_${course.id}_${project.id}`,
      })),
    );
    expect(gradeRecords(zoho)).toHaveLength(2);
  });

  it('GRADES_ON_REMOVED=delete: a grade removed while its first send waits for Zoho is deleted after it', async () => {
    const { zoho, moodle, service } = await start({ GRADES_ON_REMOVED: 'delete' });
    withGradesModule(zoho);
    const { course, students, teacher, project } = await school(service, moodle);
    const [first] = students;
    if (!first) throw new Error('students');
    zoho.state.failNext(1000);
    moodle.grade({ assignment: project.id, userid: first.userId, grade: 70, grader: teacher.id });
    await poll(service);
    const key = `${first.userId}_${course.id}_${project.id}`;
    const waiting = await service.database.db
      .selectFrom('integration_events_log')
      .select(['status', 'error_message'])
      .where('record_id', '=', key)
      .executeTakeFirstOrThrow();
    expect(waiting.status).toBe('pending');

    moodle.grade({ assignment: project.id, userid: first.userId, grade: null, grader: teacher.id });
    expect((await poll(service)).summary).toMatchObject({ removed: 1 });
    zoho.state.pending.failing = 0;
    await service.database.db
      .updateTable('integration_events_log')
      .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
      .where('record_id', '=', key)
      .execute();
    await service.worker.drain();
    const events = await service.database.db
      .selectFrom('integration_events_log')
      .select(['event_type', 'status'])
      .where('record_id', '=', key)
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { event_type: 'insert', status: 'completed' },
      { event_type: 'delete', status: 'completed' },
    ]);
    expect(gradeRecord(zoho, key)).toBeUndefined();
  });

  it('maps points through GRADE_POINT_BANDS and fails an unmapped value, naming the value and the setting', async () => {
    const { zoho, moodle, service } = await start({ GRADE_POINT_BANDS: '0-39=R,40-59=P,60-79=M,80-100=D' });
    withGradesModule(zoho);
    const { course, students, teacher, project } = await school(service, moodle);
    const [first, second] = students;
    if (!first || !second) throw new Error('students');
    const odd = moodle.addScale({ name: 'Odd', items: ['Refer', 'Excellent'] });
    const oddAssignment = moodle.addAssignment({ course: course.id, name: 'Odd scale', grade: -odd.id });
    moodle.grade({ assignment: project.id, userid: first.userId, grade: 79.5, grader: teacher.id });
    moodle.grade({ assignment: oddAssignment.id, userid: second.userId, grade: 2, grader: teacher.id });
    await poll(service);
    expect(gradeRecord(zoho, `${first.userId}_${course.id}_${project.id}`)).toMatchObject({ Grade: 'M' });
    const failed = await service.database.db
      .selectFrom('integration_events_log')
      .selectAll()
      .where('module', '=', GRADES)
      .where('status', '=', 'failed')
      .executeTakeFirstOrThrow();
    expect(failed.error_code).toBe('grades.unmapped_scale_item');
    expect(failed.error_message).toContain('"Excellent"');
    expect(failed.error_message).toContain('GRADE_SCALE_MAP');
    expect(gradeRecords(zoho)).toHaveLength(1);
  });

  it('catches up after downtime: every grade given while mzi was not polling arrives, in batches of up to 100', async () => {
    const { zoho, moodle, service } = await start({ WORKER_BATCH_SIZE: '100' });
    withGradesModule(zoho);
    const { course, students, teacher } = await school(service, moodle);
    await poll(service);
    const assignments = Array.from({ length: 75 }, (_, n) =>
      moodle.addAssignment({ course: course.id, name: `Task ${n + 1}`, grade: 100 }),
    );
    for (const assignment of assignments) {
      for (const student of students) {
        moodle.grade({
          assignment: assignment.id,
          userid: student.userId,
          grade: 40 + (assignment.id % 50),
          grader: teacher.id,
        });
      }
    }
    const outcome = await poll(service);
    expect(outcome.summary).toMatchObject({ queued: 150 });
    expect(gradeRecords(zoho)).toHaveLength(150);
    expect(upserts(zoho)).toBe(2);
    const statuses = await service.database.db
      .selectFrom('integration_events_log')
      .select(({ fn }) => ['status', fn.countAll<number>().as('n')])
      .where('module', '=', GRADES)
      .groupBy('status')
      .execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['completed', 150]]);
  });

  it('mzi sync grades re-reads a course and sends every grade again to the same records', async () => {
    const { zoho, moodle, service } = await start();
    withGradesModule(zoho);
    const { course, students, teacher, essay } = await school(service, moodle);
    for (const student of students) {
      moodle.grade({ assignment: essay.id, userid: student.userId, grade: 2, grader: teacher.id });
    }
    await poll(service);
    expect(gradeRecords(zoho)).toHaveLength(2);
    // Someone edits a grade record by hand in Zoho; a resync puts Moodle's grade back.
    const edited = gradeRecords(zoho)[0];
    if (edited) edited.Grade = 'X';

    const env = {
      DATABASE_URL: service.config.databaseUrl,
      DATA_DIR: service.dir,
      MOODLE_URL: moodle.url,
      MOODLE_TOKEN: moodle.token,
      ZOHO_CLIENT_ID: zoho.credentials.clientId,
      ZOHO_CLIENT_SECRET: zoho.credentials.clientSecret,
      ZOHO_REFRESH_TOKEN: zoho.credentials.refreshToken,
      ZOHO_ACCOUNTS_URL: zoho.accountsUrl,
    };
    const dry = await runMziAsync(['sync', 'grades', '--course', String(course.id), '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would append: 2 to send');
    const run = await runMziAsync(['sync', 'grades', '--course', String(course.id), '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ courses: 1, gradesRead: 2, queued: 2, unchanged: 0 });
    await service.worker.drain();
    expect(gradeRecords(zoho)).toHaveLength(2);
    expect(gradeRecords(zoho).map((record) => record.Grade)).toEqual(['P', 'P']);
    expect(zoho.state.counts.workflowRuns).toEqual({});

    const bad = await runMziAsync(['sync', 'grades', '--since', 'yesterday'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--since must be an ISO 8601 time');
  });

  it('takes no grade webhooks: grades flow from Moodle to Zoho only', async () => {
    const { service } = await start();
    const response = await service.app.inject({
      method: 'POST',
      url: '/api/v1/events/zoho/grade',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ id: '1', Grade: 'M' }),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().webhook_urls.join(' ')).not.toContain('/grade');
  });
});
