import { describe, expect, it } from 'vitest';
import { createLinksOf, MODULES } from '../../src/modules/index.js';
import { useMoodleService } from '../helpers/moodle-service.js';
import {
  classRecord,
  enrollmentRecord,
  eventOf,
  postRecord,
  studentRecord,
} from '../helpers/school-deliveries.js';
import type { TestService } from '../helpers/test-service.js';

/**
 * A school's term set up in Zoho, with every record arriving in a shuffled order: programs, a teacher, classes,
 * students and their enrollments; then edits, a withdrawal and deletes. Moodle is then read directly, as an
 * operator would check it: categories, courses, dates in the school's time zone, roles and enrolment states.
 */

const linksOf = createLinksOf(MODULES);
/** Beirut: UTC+2 in winter, UTC+3 in summer. */
const TIME_ZONE = 'Asia/Beirut';
const beirutMidnight = (y: number, m: number, d: number, offsetHours: number) =>
  Date.UTC(y, m - 1, d) / 1000 - offsetHours * 3600;

type Delivery = {
  module: string;
  record: { recordId: string; operation: string; data: Record<string, unknown> };
};

/** The term: program P, teacher T, Active class A, Planned class B, three students, four enrollments. */
function term(): Delivery[] {
  return [
    {
      module: 'program',
      record: { recordId: '9100001', operation: 'insert', data: { Product_Name: 'BTEC IT Level 3' } },
    },
    {
      module: 'teacher',
      record: {
        recordId: '9200001',
        operation: 'insert',
        data: { Name: 'Rania Haddad', Academic_Email: 'rania.haddad@staff.example.edu' },
      },
    },
    {
      module: 'class',
      record: classRecord('9300001', {
        BTEC_Program: { id: '9100001', name: 'BTEC IT Level 3' },
        Teacher: { id: '9200001', name: 'Rania Haddad' },
      }),
    },
    {
      module: 'class',
      record: classRecord('9300002', {
        Class_Status: 'Planned',
        BTEC_Program: '9100001',
        Teacher: '9200001',
      }),
    },
    { module: 'student', record: studentRecord('9400001') },
    { module: 'student', record: studentRecord('9400002') },
    { module: 'student', record: studentRecord('9400003') },
    {
      module: 'enrollment',
      record: enrollmentRecord('9500001', {
        student: { id: '9400001', name: 'S1' },
        class: { id: '9300001' },
      }),
    },
    { module: 'enrollment', record: enrollmentRecord('9500002', { student: '9400002', class: '9300001' }) },
    { module: 'enrollment', record: enrollmentRecord('9500003', { student: '9400003', class: '9300002' }) },
    { module: 'enrollment', record: enrollmentRecord('9500004', { student: '9400001', class: '9300002' }) },
  ];
}

/** A deterministic shuffle (mulberry32), so a failing order can be replayed from its seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const start = useMoodleService({ SCHOOL_TIMEZONE: TIME_ZONE });

async function link(s: TestService, module: string, recordId: string): Promise<number> {
  const found = (await linksOf(module, s.database.db, [recordId])).get(recordId);
  expect(found, `${module} ${recordId} has no Moodle link`).toBeDefined();
  return found?.moodleId ?? 0;
}

async function post(s: TestService, deliveries: readonly Delivery[]): Promise<string[]> {
  const ids: string[] = [];
  for (const { module, record } of deliveries) ids.push(await postRecord(s, module, record));
  await s.worker.drain();
  return ids;
}

describe.each([11, 29, 47])('a term arriving in shuffled order (seed %i)', (seed) => {
  it('ends with Moodle matching Zoho, then follows edits, withdrawals and deletes', async () => {
    const { moodle, service } = await start({ MOODLE_CREATE_CATEGORIES: 'true' });
    const deliveries = term();
    const ids = await post(service, shuffled(deliveries, seed));
    const byRecord = new Map(
      deliveries.map((d, i) => [d.record.recordId, ids[deliveries.indexOf(d)] ?? String(i)]),
    );
    // `post` sent them shuffled: find each event by its record instead.
    const eventOfRecord = async (recordId: string) => {
      const rows = await service.database.db
        .selectFrom('integration_events_log')
        .selectAll()
        .where('record_id', '=', recordId)
        .orderBy('id', 'desc')
        .execute();
      expect(rows.length, `no event for ${recordId}`).toBeGreaterThan(0);
      return eventOf(service, rows[0]?.event_id as string);
    };
    expect(byRecord.size).toBe(deliveries.length);

    for (const recordId of ['9100001', '9200001', '9300001', '9300002', '9400001', '9400002', '9400003']) {
      const event = await eventOfRecord(recordId);
      expect(event.status, `${recordId}: ${event.error_message}`).toBe('completed');
    }
    for (const recordId of ['9500001', '9500002']) {
      const event = await eventOfRecord(recordId);
      expect(event.status, `${recordId}: ${event.error_message}`).toBe('completed');
    }
    // Class B is Planned: it has no course, and its enrollments wait for it, saying why.
    expect(moodle.courses.size).toBe(1);
    for (const recordId of ['9500003', '9500004']) {
      const event = await eventOfRecord(recordId);
      expect(event).toMatchObject({ status: 'pending', error_code: 'dependency.waiting' });
      expect(event.error_message).toContain('9300002');
    }

    // The program's category, created with its idnumber.
    const categoryId = await link(service, 'program', '9100001');
    expect(moodle.categories.get(categoryId)).toMatchObject({
      name: 'BTEC IT Level 3',
      idnumber: 'zoho-program-9100001',
    });
    // Class A's course: linked by idnumber, in the program's category, dates at midnight in Beirut.
    const courseA = await link(service, 'class', '9300001');
    expect(moodle.courses.get(courseA)).toMatchObject({
      idnumber: 'zoho-class-9300001',
      fullname: 'BTEC IT 9300001',
      shortname: 'IT-9300001',
      categoryid: categoryId,
      startdate: beirutMidnight(2027, 1, 4, 2),
      enddate: beirutMidnight(2027, 6, 30, 3),
      visible: 1,
    });
    // The teacher as editing teacher, the students as students with their dates; the last day included.
    const teacher = await link(service, 'teacher', '9200001');
    expect([...(moodle.enrolment(courseA, teacher)?.roles ?? [])]).toEqual([3]);
    for (const studentId of ['9400001', '9400002']) {
      const user = await link(service, 'student', studentId);
      expect(moodle.enrolment(courseA, user)).toMatchObject({
        status: 0,
        timestart: beirutMidnight(2027, 1, 4, 2),
        timeend: beirutMidnight(2027, 7, 1, 3),
      });
      expect([...(moodle.enrolment(courseA, user)?.roles ?? [])]).toEqual([5]);
    }

    // Class B becomes Active: its course is created and the waiting enrollments go in.
    await post(service, [
      {
        module: 'class',
        record: {
          ...classRecord('9300002', { Class_Status: 'Active', BTEC_Program: '9100001', Teacher: '9200001' }),
          operation: 'update',
        },
      },
    ]);
    const courseB = await link(service, 'class', '9300002');
    for (const recordId of ['9500003', '9500004']) {
      const event = await eventOfRecord(recordId);
      expect(event.status, `${recordId}: ${event.error_message}`).toBe('completed');
    }
    for (const studentId of ['9400001', '9400003']) {
      expect(moodle.enrolment(courseB, await link(service, 'student', studentId))).toMatchObject({
        status: 0,
      });
    }

    // A withdrawal suspends the enrolment; a Zoho delete of an enrollment suspends by default; a class
    // renamed in Zoho is renamed in Moodle; a class deleted in Zoho hides its course, never deletes it.
    await post(service, [
      {
        module: 'enrollment',
        record: enrollmentRecord(
          '9500002',
          { student: '9400002', class: '9300001' },
          { Enrollment_Status: 'Withdrawn' },
          'update',
        ),
      },
      { module: 'enrollment', record: { recordId: '9500004', operation: 'delete', data: {} } },
      {
        module: 'class',
        record: {
          ...classRecord('9300001', {
            Class_Name: 'BTEC IT Level 3 — Group A',
            BTEC_Program: '9100001',
            Teacher: '9200001',
          }),
          operation: 'update',
        },
      },
    ]);
    expect(moodle.enrolment(courseA, await link(service, 'student', '9400002'))).toMatchObject({ status: 1 });
    expect(moodle.enrolment(courseB, await link(service, 'student', '9400001'))).toMatchObject({ status: 1 });
    expect(moodle.enrolment(courseA, await link(service, 'student', '9400001'))).toMatchObject({ status: 0 });
    expect(moodle.courses.get(courseA)?.fullname).toBe('BTEC IT Level 3 — Group A');

    await post(service, [
      { module: 'class', record: { recordId: '9300002', operation: 'delete', data: {} } },
    ]);
    expect(moodle.courses.get(courseB)).toMatchObject({ visible: 0 });
    expect(moodle.courses.size).toBe(2);
    const failed = await service.database.db
      .selectFrom('integration_events_log')
      .select(['record_id', 'error_message'])
      .where('status', '=', 'failed')
      .execute();
    expect(failed).toEqual([]);
  }, 60_000);
});

describe('the same term with a restricted web-service user', () => {
  it('refuses only what the user may not do, each time saying how to fix it', async () => {
    const { moodle, service } = await start({}, { restricted: true });
    // The restricted role cannot create categories: the program names an existing one.
    const category = moodle.addCategory({ name: 'BTEC', idnumber: '' });
    const deliveries = term().map((d) =>
      d.module === 'program'
        ? { ...d, record: { ...d.record, data: { ...d.record.data, MoodleID: String(category.id) } } }
        : d,
    );
    await post(service, shuffled(deliveries, 5));
    const rows = await service.database.db
      .selectFrom('integration_events_log')
      .select(['module', 'record_id', 'status', 'error_code', 'error_message', 'warnings'])
      .orderBy('id')
      .execute();
    // Class A's course is created, but its teacher cannot be made editing teacher (role 3): the class fails
    // with a message naming the role, the setting and the Moodle page to change, and its enrollments wait for
    // it, saying so.
    const courseA = [...moodle.courses.values()].find((c) => c.idnumber === 'zoho-class-9300001')?.id ?? 0;
    expect(courseA).toBeGreaterThan(0);
    const classA = rows.find((row) => row.record_id === '9300001');
    expect(classA).toMatchObject({ status: 'failed', error_code: 'moodle.wsusercannotassign' });
    expect(classA?.error_message).toMatch(/role 3.*MOODLE_TEACHER_ROLE_ID.*Allow role assignments/s);
    for (const recordId of ['9500001', '9500002']) {
      const row = rows.find((r) => r.record_id === recordId);
      expect(row).toMatchObject({ status: 'pending', error_code: 'dependency.waiting' });
      expect(row?.error_message).toContain('moodle.wsusercannotassign');
    }
    // Everything the role may do went through.
    for (const recordId of ['9100001', '9200001', '9300002', '9400001', '9400002', '9400003']) {
      expect(rows.find((r) => r.record_id === recordId)?.status).toBe('completed');
    }
    // Hiding a deleted class needs moodle/course:visibility, which the role lacks: named in the failure.
    await post(service, [
      { module: 'class', record: { recordId: '9300001', operation: 'delete', data: {} } },
    ]);
    const [hide] = await service.database.db
      .selectFrom('integration_events_log')
      .select(['status', 'error_message'])
      .where('record_id', '=', '9300001')
      .where('event_type', '=', 'delete')
      .execute();
    expect(hide?.status).toBe('failed');
    expect(hide?.error_message).toContain('moodle/course:visibility');
    expect(moodle.courses.get(courseA)?.visible).toBe(1);
  }, 60_000);
});

describe('a term on a site that cannot send mail', () => {
  it('keeps the enrolments Moodle stored before its mail error, and says so', async () => {
    const { moodle, service } = await start({ MOODLE_CREATE_CATEGORIES: 'true' }, { noMailTransport: true });
    // The teacher first, so that every student enrolment sends a welcome message from the course contact.
    await post(service, term().slice(0, 7));
    await post(service, term().slice(7));
    const courseA = await link(service, 'class', '9300001');
    const rows = await service.database.db
      .selectFrom('integration_events_log')
      .select(['record_id', 'status', 'error_message', 'warnings'])
      .where('record_id', 'in', ['9500001', '9500002'])
      .execute();
    expect(rows.map((row) => row.status)).toEqual(['completed', 'completed']);
    for (const row of rows) expect(row.warnings ?? '').toMatch(/mail/i);
    for (const studentId of ['9400001', '9400002']) {
      expect(moodle.enrolment(courseA, await link(service, 'student', studentId))).toMatchObject({
        status: 0,
      });
    }
  }, 60_000);
});
