import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/index.js';
import { type FakeMoodle, type FakeMoodleOptions, startFakeMoodle } from '../helpers/fake-moodle.js';
import { type BodyShape, deliverRecord, resultOf, warningsOf } from '../helpers/module-deliveries.js';
import { standInTeachers } from '../helpers/stand-in-teachers.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let moodle: FakeMoodle | undefined;
let service: TestService | undefined;
afterEach(async () => {
  await service?.cleanup();
  await moodle?.close();
  service = undefined;
  moodle = undefined;
});

/** A fake Moodle and mzi using it; `env` may read the fake first (to name a category it holds). */
async function setup(
  env: Record<string, string> | ((m: FakeMoodle) => Record<string, string>) = {},
  fake: FakeMoodleOptions = {},
) {
  moodle = await startFakeMoodle(fake);
  const extra = typeof env === 'function' ? env(moodle) : env;
  service = await startTestService(
    { MOODLE_URL: moodle.url, MOODLE_TOKEN: moodle.token, MOODLE_TIMEOUT: '1', ...extra },
    // The stand-in teachers replace the real ones and live in this thread only, so the worker does too.
    { modules: [...MODULES.filter((m) => m.name !== 'teacher'), standInTeachers], threads: false },
  );
  await service.moodleHealth.refresh();
  return { moodle, service };
}

const send = (
  s: TestService,
  module: string,
  recordId: string,
  data: Record<string, string | null | { id: string; name: string }>,
  operation = 'insert',
  shape: BodyShape = 'custom',
) => deliverRecord(s, module, { recordId, operation, data }, shape);

const calls = (m: FakeMoodle, fn: string) => m.requests.filter((r) => r.wsfunction === fn);
/** The items of an array parameter as the fake parsed it (`courses[0][id]=…`). */
const items = (params: Record<string, unknown>, key: string) =>
  Object.values((params[key] ?? {}) as Record<string, Record<string, string>>);
const courseByIdnumber = (m: FakeMoodle, idnumber: string) =>
  [...m.courses.values()].find((course) => course.idnumber === idnumber);

async function classRow(s: TestService, recordId: string) {
  const rows = await sql<Record<string, unknown>>`
    SELECT * FROM classes WHERE zoho_record_id = ${recordId}`.execute(s.database.db);
  return rows.rows[0];
}

/**
 * A program whose category exists in Moodle, and a teacher who is a Moodle user. `byMoodleId`: the program
 * names its category by MoodleID (a restricted web-service user may not search categories by idnumber).
 */
async function programAndTeacher(s: TestService, m: FakeMoodle, suffix = '1', byMoodleId = false) {
  const programId = `81000${suffix}`;
  const teacherId = `82000${suffix}`;
  const category = m.addCategory({ name: `Program ${suffix}`, idnumber: `zoho-program-${programId}` });
  const user = m.addUser({
    username: `teacher${suffix}`,
    firstname: 'T',
    lastname: suffix,
    email: `t${suffix}@school.example`,
  });
  const program = await send(s, 'program', programId, {
    Product_Name: `Program ${suffix}`,
    ...(byMoodleId ? { MoodleID: String(category.id) } : {}),
  });
  expect(program.status).toBe('completed');
  const teacher = await send(s, 'teacher', teacherId, {
    Name: `Teacher ${suffix}`,
    Teacher_Moodle_ID: String(user.id),
  });
  expect(teacher.status).toBe('completed');
  return { category, user, programId, teacherId };
}

const activeClass = (
  programId: string,
  teacherId: string | null,
  overrides: Record<string, string | null> = {},
) => ({
  Class_Name: 'BTEC IT Level 3',
  Class_Short_Name: 'IT-L3-27',
  BTEC_Program: programId,
  Teacher: teacherId,
  Class_Status: 'Active',
  Start_Date: '2027-01-04',
  End_Date: '2027-06-30',
  ...overrides,
});

describe('classes in Moodle', () => {
  it('creates the course of an Active class in its program category, with its teacher as role 3', async () => {
    const { moodle, service } = await setup();
    const { category, user, programId, teacherId } = await programAndTeacher(service, moodle);
    const event = await send(service, 'class', '8300001', activeClass(programId, teacherId));
    expect(event.status).toBe('completed');
    const course = courseByIdnumber(moodle, 'zoho-class-8300001');
    expect(course).toMatchObject({
      fullname: 'BTEC IT Level 3',
      shortname: 'IT-L3-27',
      categoryid: category.id,
      startdate: Date.UTC(2027, 0, 4) / 1000,
      enddate: Date.UTC(2027, 5, 30) / 1000,
      visible: 1,
    });
    expect(resultOf(event)).toEqual({
      local: 'created',
      moodle: {
        action: 'created',
        course_id: course?.id,
        ownership: 'created',
        category_id: category.id,
        teacher: { action: 'enrolled', user_id: user.id, role_id: 3 },
      },
    });
    expect([...(moodle.enrolment(course?.id ?? 0, user.id)?.roles ?? [])]).toEqual([3]);
    expect(await classRow(service, '8300001')).toMatchObject({
      moodle_course_id: course?.id,
      course_ownership: 'created',
      teacher_user_id: user.id,
      teacher_enrolled_by_mzi: 1,
    });

    // Its record, found by short name, shows the teacher's enrolment; its program's lists it.
    const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const shown = await service.app.inject({ method: 'GET', url: '/api/v1/classes/it-l3-27', headers });
    expect(shown.json()).toMatchObject({
      class: { zoho_record_id: '8300001', moodle_course_id: course?.id },
      related: [
        {
          title: 'Teacher',
          rows: [
            {
              cells: [teacherId, user.id, 'enrolled by mzi'],
              link: { section: 'teachers', recordId: teacherId },
            },
          ],
        },
      ],
    });
    const program = await service.app.inject({
      method: 'GET',
      url: `/api/v1/programs/${programId}`,
      headers,
    });
    expect(program.json()).toMatchObject({
      related: [
        { title: 'Classes', rows: [{ cells: ['BTEC IT Level 3', 'IT-L3-27', 'Active', course?.id] }] },
      ],
    });
  });

  it('creates no course for a class whose status is not Active, and says why; Active later creates it', async () => {
    const { moodle, service } = await setup();
    const { programId } = await programAndTeacher(service, moodle);
    const planned = await send(
      service,
      'class',
      '8300002',
      activeClass(programId, null, { Class_Status: 'Planned' }),
    );
    expect(planned.status).toBe('completed');
    expect(resultOf(planned).moodle).toEqual({
      action: 'not_created',
      reason:
        'Class_Status "Planned" is not in MOODLE_COURSE_CREATE_STATUSES (active): the course is created once the class has one of those statuses',
    });
    expect(calls(moodle, 'core_course_create_courses')).toHaveLength(0);
    const active = await send(service, 'class', '8300002', { Class_Status: 'Active' }, 'update');
    expect(resultOf(active).moodle).toMatchObject({ action: 'created' });
    expect(courseByIdnumber(moodle, 'zoho-class-8300002')?.fullname).toBe('BTEC IT Level 3');
  });

  it('sends only the fields that differ, dates always together, and nothing when nothing differs', async () => {
    const { moodle, service } = await setup();
    const { programId, teacherId } = await programAndTeacher(service, moodle);
    await send(service, 'class', '8300003', activeClass(programId, teacherId));
    const courseId = courseByIdnumber(moodle, 'zoho-class-8300003')?.id;

    const renamed = await send(service, 'class', '8300003', { Class_Name: 'BTEC IT L3 (2027)' }, 'update');
    expect(resultOf(renamed).moodle).toMatchObject({ action: 'updated', changed: ['fullname'] });
    const [rename] = calls(moodle, 'core_course_update_courses');
    expect(items(rename?.params ?? {}, 'courses')).toEqual([
      { id: String(courseId), fullname: 'BTEC IT L3 (2027)' },
    ]);

    const moved = await send(service, 'class', '8300003', { End_Date: '2027-07-15' }, 'update');
    expect(resultOf(moved).moodle).toMatchObject({ action: 'updated', changed: ['enddate'] });
    const dates = calls(moodle, 'core_course_update_courses')[1];
    expect(items(dates?.params ?? {}, 'courses')).toEqual([
      {
        id: String(courseId),
        startdate: String(Date.UTC(2027, 0, 4) / 1000),
        enddate: String(Date.UTC(2027, 6, 15) / 1000),
      },
    ]);
    expect(moodle.courses.get(courseId ?? 0)?.enddate).toBe(Date.UTC(2027, 6, 15) / 1000);

    const enrolsBefore = calls(moodle, 'enrol_manual_enrol_users').length;
    const same = await send(
      service,
      'class',
      '8300003',
      activeClass(programId, teacherId, { Class_Name: 'BTEC IT L3 (2027)', End_Date: '2027-07-15' }),
      'update',
    );
    expect(resultOf(same).moodle).toMatchObject({ action: 'unchanged', teacher: { action: 'unchanged' } });
    expect(calls(moodle, 'core_course_update_courses')).toHaveLength(2);
    // The teacher is enrolled already: no second enrolment (and no second welcome message).
    expect(calls(moodle, 'enrol_manual_enrol_users')).toHaveLength(enrolsBefore);
  });

  it('fails a short name another course has, naming that course', async () => {
    const { moodle, service } = await setup();
    const { programId } = await programAndTeacher(service, moodle);
    const other = moodle.addCourse({ fullname: 'Someone else', shortname: 'IT-L3-27', idnumber: 'legacy-7' });
    const event = await send(service, 'class', '8300004', activeClass(programId, null));
    expect(event).toMatchObject({ status: 'failed', error_code: 'class.shortname_taken' });
    expect(event.error_message).toBe(
      `The course short name "IT-L3-27" of Zoho class 8300004 ("BTEC IT Level 3") (its Class_Short_Name) is already used by Moodle course ${other.id} ("Someone else", idnumber "legacy-7"): Moodle short names are unique. Give the class a unique Class_Short_Name in Zoho, or rename the other course in Moodle; then retry this event.`,
    );
    expect(courseByIdnumber(moodle, 'zoho-class-8300004')).toBeUndefined();
  });

  it('derives distinct short names for two classes of the same name', async () => {
    const { moodle, service } = await setup();
    const { programId } = await programAndTeacher(service, moodle);
    const data = activeClass(programId, null, { Class_Short_Name: null, Class_Name: 'Maths' });
    expect((await send(service, 'class', '8300005', data)).status).toBe('completed');
    expect((await send(service, 'class', '8300006', data)).status).toBe('completed');
    expect(courseByIdnumber(moodle, 'zoho-class-8300005')?.shortname).toBe('Maths (8300005)');
    expect(courseByIdnumber(moodle, 'zoho-class-8300006')?.shortname).toBe('Maths (8300006)');
  });

  it('sets the dates at midnight in SCHOOL_TIMEZONE, across daylight saving', async () => {
    const { moodle, service } = await setup({ SCHOOL_TIMEZONE: 'Asia/Beirut' });
    const { programId } = await programAndTeacher(service, moodle);
    await send(
      service,
      'class',
      '8300007',
      activeClass(programId, null, { Start_Date: '2027-01-04', End_Date: '2027-07-05' }),
    );
    // Beirut is UTC+2 in January and UTC+3 in July.
    expect(courseByIdnumber(moodle, 'zoho-class-8300007')).toMatchObject({
      startdate: Date.UTC(2027, 0, 3, 22) / 1000,
      enddate: Date.UTC(2027, 6, 4, 21) / 1000,
    });
  });

  it('hides the course of a deleted class and of an ended one, never deletes it, and shows what it hid again', async () => {
    const { moodle, service } = await setup();
    const { programId } = await programAndTeacher(service, moodle);
    await send(service, 'class', '8300008', activeClass(programId, null));
    const courseId = courseByIdnumber(moodle, 'zoho-class-8300008')?.id ?? 0;

    const ended = await send(service, 'class', '8300008', { Class_Status: 'Completed' }, 'update');
    expect(resultOf(ended).moodle).toMatchObject({ action: 'hidden', changed: ['visible'] });
    expect(moodle.courses.get(courseId)?.visible).toBe(0);
    const again = await send(service, 'class', '8300008', { Class_Status: 'Active' }, 'update');
    expect(resultOf(again).moodle).toMatchObject({ action: 'updated', changed: ['visible'] });
    expect(moodle.courses.get(courseId)?.visible).toBe(1);

    const deleted = await send(service, 'class', '8300008', {}, 'delete');
    expect(resultOf(deleted)).toMatchObject({
      local: 'deleted',
      moodle: { action: 'hidden', course_id: courseId },
    });
    expect(moodle.courses.get(courseId)).toMatchObject({ visible: 0 });
    expect(calls(moodle, 'core_course_delete_courses')).toHaveLength(0);
    expect((await classRow(service, '8300008'))?.deleted_at).not.toBeNull();
  });

  it('leaves a course someone else hid hidden, and leaves the course of a deleted class with MOODLE_ON_CLASS_DELETE=ignore', async () => {
    const { moodle, service } = await setup({ MOODLE_ON_CLASS_DELETE: 'ignore' });
    const { programId } = await programAndTeacher(service, moodle);
    await send(service, 'class', '8300009', activeClass(programId, null));
    const course = courseByIdnumber(moodle, 'zoho-class-8300009');
    if (course) course.visible = 0;
    const update = await send(service, 'class', '8300009', { Class_Name: 'Renamed' }, 'update');
    expect(resultOf(update).moodle).toMatchObject({ action: 'updated', changed: ['fullname'] });
    expect(course?.visible).toBe(0);
    if (course) course.visible = 1;
    const deleted = await send(service, 'class', '8300009', {}, 'delete');
    expect(resultOf(deleted).moodle).toMatchObject({ action: 'kept', course_id: course?.id });
    expect(course?.visible).toBe(1);
  });

  it('replaces a teacher mzi enrolled, but leaves one someone else enrolled', async () => {
    const { moodle, service } = await setup();
    const { programId, teacherId, user: first } = await programAndTeacher(service, moodle, '1');
    const second = moodle.addUser({
      username: 'teacher2',
      firstname: 'T',
      lastname: '2',
      email: 't2@school.example',
    });
    await send(service, 'teacher', '820002', { Name: 'Teacher 2', Teacher_Moodle_ID: String(second.id) });
    await send(service, 'class', '8300010', activeClass(programId, teacherId));
    const courseId = courseByIdnumber(moodle, 'zoho-class-8300010')?.id ?? 0;

    const changed = await send(service, 'class', '8300010', { Teacher: '820002' }, 'update');
    expect(resultOf(changed).moodle.teacher).toEqual({
      action: 'enrolled',
      user_id: second.id,
      role_id: 3,
      unenrolled_user_id: first.id,
    });
    expect(moodle.enrolment(courseId, first.id)).toBeUndefined();
    expect([...(moodle.enrolment(courseId, second.id)?.roles ?? [])]).toEqual([3]);

    // Enrolled by an administrator before the class named them: not mzi's to remove.
    const third = moodle.addUser({
      username: 'teacher3',
      firstname: 'T',
      lastname: '3',
      email: 't3@school.example',
    });
    moodle.addEnrolment(courseId, third.id, { roles: [3] });
    await send(service, 'teacher', '820003', { Name: 'Teacher 3', Teacher_Moodle_ID: String(third.id) });
    const toThird = await send(service, 'class', '8300010', { Teacher: '820003' }, 'update');
    expect(resultOf(toThird).moodle.teacher).toEqual({
      action: 'already_enrolled',
      user_id: third.id,
      role_id: 3,
      unenrolled_user_id: second.id,
    });
    const away = await send(service, 'class', '8300010', { Teacher: null }, 'update');
    expect(resultOf(away).moodle.teacher).toEqual({ action: 'none' });
    expect(warningsOf(away)[0]).toContain(`The previous teacher, Moodle user ${third.id}, stays enrolled`);
    expect(moodle.enrolment(courseId, third.id)).toBeDefined();
  });

  it('adopts the course Moodle_Class_ID names when its idnumber is empty, and refuses one that belongs elsewhere', async () => {
    const { moodle, service } = await setup();
    const { programId } = await programAndTeacher(service, moodle);
    const legacy = moodle.addCourse({ fullname: 'Legacy IT', shortname: 'LEG-IT', idnumber: '' });
    const adopted = await send(
      service,
      'class',
      '8300011',
      activeClass(programId, null, { Moodle_Class_ID: String(legacy.id) }),
    );
    expect(resultOf(adopted).moodle).toMatchObject({
      action: 'updated',
      course_id: legacy.id,
      ownership: 'adopted',
    });
    expect(moodle.courses.get(legacy.id)).toMatchObject({
      idnumber: 'zoho-class-8300011',
      fullname: 'BTEC IT Level 3',
      shortname: 'IT-L3-27',
    });

    const other = moodle.addCourse({ fullname: 'Other', shortname: 'OTHER', idnumber: 'sis-555' });
    const conflict = await send(
      service,
      'class',
      '8300012',
      activeClass(programId, null, { Class_Short_Name: 'X', Moodle_Class_ID: String(other.id) }),
    );
    expect(conflict).toMatchObject({ status: 'failed', error_code: 'class.course_conflict' });
    expect(conflict.error_message).toContain(
      `Moodle_Class_ID of Zoho class 8300012 ("BTEC IT Level 3") names Moodle course ${other.id} ("OTHER"), but that course carries the idnumber "sis-555", not the class's "zoho-class-8300012"`,
    );
    expect(moodle.courses.get(other.id)?.idnumber).toBe('sis-555');
  });

  it('takes the class in each of the three body shapes, lookups as ids or as Zoho objects', async () => {
    const { moodle, service } = await setup();
    const { programId, teacherId, user } = await programAndTeacher(service, moodle);
    for (const [index, shape] of (['custom', 'form', 'flat'] as const).entries()) {
      const recordId = `830002${index}`;
      const lookups =
        shape === 'form'
          ? { BTEC_Program: programId, Teacher: teacherId }
          : {
              BTEC_Program: { id: programId, name: 'Program 1' },
              Teacher: { id: teacherId, name: 'Teacher 1' },
            };
      const event = await send(
        service,
        'class',
        recordId,
        { ...activeClass(programId, teacherId, { Class_Short_Name: `SHAPE-${shape}` }), ...lookups },
        'insert',
        shape,
      );
      expect(event.status).toBe('completed');
      const course = courseByIdnumber(moodle, `zoho-class-${recordId}`);
      expect(course?.shortname).toBe(`SHAPE-${shape}`);
      expect([...(moodle.enrolment(course?.id ?? 0, user.id)?.roles ?? [])]).toEqual([3]);
      expect(await classRow(service, recordId)).toMatchObject({
        btec_program: programId,
        teacher: teacherId,
      });
    }
  });

  it('waits for a teacher who has no Moodle user yet, and enrols them once they have one', async () => {
    const { moodle, service } = await setup();
    const { programId } = await programAndTeacher(service, moodle);
    // Processed, but without a Moodle user: the class's handler finds the teacher not ready.
    await send(service, 'teacher', '820009', { Name: 'New teacher', Teacher_Moodle_ID: null });
    const waiting = await send(service, 'class', '8300030', activeClass(programId, '820009'));
    expect(waiting).toMatchObject({ status: 'pending', error_code: 'dependency.waiting' });
    expect(waiting.error_message).toContain(
      'Waits for BTEC_Teachers record 820009: it is the Teacher of Zoho class 8300030 ("BTEC IT Level 3") but has no Moodle user yet',
    );
    expect(courseByIdnumber(moodle, 'zoho-class-8300030')).toBeUndefined();

    const user = moodle.addUser({
      username: 'late',
      firstname: 'L',
      lastname: 'T',
      email: 'late@school.example',
    });
    await send(
      service,
      'teacher',
      '820009',
      { Name: 'New teacher', Teacher_Moodle_ID: String(user.id) },
      'update',
    );
    await service.worker.drain();
    const course = courseByIdnumber(moodle, 'zoho-class-8300030');
    expect([...(moodle.enrolment(course?.id ?? 0, user.id)?.roles ?? [])]).toEqual([3]);
  });

  it('waits for its program when the class arrives first, then creates the course in its category', async () => {
    const { moodle, service } = await setup();
    const category = moodle.addCategory({ name: 'Late', idnumber: 'zoho-program-8100099' });
    const early = await send(service, 'class', '8300013', activeClass('8100099', null));
    expect(early).toMatchObject({ status: 'pending', error_code: 'dependency.waiting' });
    expect(moodle.courses.size).toBe(0);
    await send(service, 'program', '8100099', { Product_Name: 'Late' });
    await service.worker.drain();
    expect(courseByIdnumber(moodle, 'zoho-class-8300013')?.categoryid).toBe(category.id);
  });

  it('explains a course without a manual enrolment method', async () => {
    const { moodle, service } = await setup();
    const { programId, teacherId } = await programAndTeacher(service, moodle);
    await send(service, 'class', '8300014', activeClass(programId, null));
    const courseId = courseByIdnumber(moodle, 'zoho-class-8300014')?.id ?? 0;
    moodle.setManualInstance(courseId, 'none');
    const event = await send(service, 'class', '8300014', { Teacher: teacherId }, 'update');
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.wsnoinstance' });
    expect(event.error_message).toContain(
      `in Moodle course ${courseId} for Zoho class 8300014 ("BTEC IT Level 3"): the course has no enabled manual enrolment method`,
    );
    expect(event.error_message).toContain('Participants > Enrolment methods');
  });

  it('completes an enrolment Moodle stored but could not mail about, with a warning', async () => {
    const { moodle, service } = await setup({}, { noMailTransport: true });
    const { programId, teacherId } = await programAndTeacher(service, moodle);
    const second = moodle.addUser({
      username: 'teacher2',
      firstname: 'T',
      lastname: '2',
      email: 't2@school.example',
    });
    await send(service, 'teacher', '820002', { Name: 'Teacher 2', Teacher_Moodle_ID: String(second.id) });
    await send(service, 'class', '8300015', activeClass(programId, teacherId));
    // The first teacher is now the course's contact: the next enrolment's welcome message fails (transcript 149).
    const changed = await send(service, 'class', '8300015', { Teacher: '820002' }, 'update');
    expect(changed.status).toBe('completed');
    expect(warningsOf(changed)[0]).toContain('could not send the welcome message');
    const courseId = courseByIdnumber(moodle, 'zoho-class-8300015')?.id ?? 0;
    expect([...(moodle.enrolment(courseId, second.id)?.roles ?? [])]).toEqual([3]);
  });
});

describe('classes with a restricted web-service user', () => {
  it('creates the course, and names the role and "Allow role assignments" when role 3 is refused', async () => {
    const { moodle, service } = await setup({}, { restricted: true });
    const { programId, teacherId, user } = await programAndTeacher(service, moodle, '1', true);
    const event = await send(service, 'class', '8400001', activeClass(programId, teacherId));
    expect(event).toMatchObject({ status: 'failed', error_code: 'moodle.wsusercannotassign' });
    const courseId = courseByIdnumber(moodle, 'zoho-class-8400001')?.id;
    expect(event.error_message).toContain(
      `Could not enrol teacher ${teacherId} (Moodle user ${user.id}) in Moodle course ${courseId} for Zoho class 8400001 ("BTEC IT Level 3"): Moodle refused role 3.`,
    );
    expect(event.error_message).toContain('check MOODLE_TEACHER_ROLE_ID');
    expect(event.error_message).toContain('Allow role assignments: allow role 3');
  });

  it('names moodle/course:visibility when it may not hide the course of a deleted class', async () => {
    const { moodle, service } = await setup({}, { restricted: true });
    const { programId } = await programAndTeacher(service, moodle, '1', true);
    expect((await send(service, 'class', '8400002', activeClass(programId, null))).status).toBe('completed');
    const courseId = courseByIdnumber(moodle, 'zoho-class-8400002')?.id ?? 0;
    const deleted = await send(service, 'class', '8400002', {}, 'delete');
    expect(deleted).toMatchObject({ status: 'failed', error_code: 'moodle.nopermissions' });
    expect(deleted.error_message).toContain(
      `Could not update Moodle course ${courseId} of Zoho class 8400002 ("BTEC IT Level 3") (visible): the web-service user lacks moodle/course:visibility (Hide/show courses).`,
    );
    expect(deleted.error_message).toContain('MOODLE_ON_CLASS_DELETE=ignore');
    expect(moodle.courses.get(courseId)?.visible).toBe(1);
  });

  it('names moodle/course:changefullname when it may not rename the course', async () => {
    const { moodle, service } = await setup({}, { restricted: true });
    const { programId } = await programAndTeacher(service, moodle, '1', true);
    await send(service, 'class', '8400003', activeClass(programId, null));
    const courseId = courseByIdnumber(moodle, 'zoho-class-8400003')?.id;
    const renamed = await send(service, 'class', '8400003', { Class_Name: 'New name' }, 'update');
    expect(renamed).toMatchObject({ status: 'failed', error_code: 'moodle.nopermissions' });
    expect(renamed.error_message).toContain(
      `Could not update Moodle course ${courseId} of Zoho class 8400003 ("New name") (fullname): the web-service user lacks moodle/course:changefullname (Change course full name).`,
    );
  });

  it('explains a course hidden from it, which it can neither see nor create again', async () => {
    const { moodle, service } = await setup({}, { restricted: true });
    const { programId } = await programAndTeacher(service, moodle, '1', true);
    await send(service, 'class', '8400004', activeClass(programId, null));
    const course = courseByIdnumber(moodle, 'zoho-class-8400004');
    if (course) course.visible = 0;
    const event = await send(service, 'class', '8400004', { Class_Name: 'Hidden' }, 'update');
    expect(event).toMatchObject({ status: 'failed', error_code: 'class.course_hidden_from_mzi' });
    expect(event.error_message).toContain(
      `Moodle course ${course?.id} already carries the short name "IT-L3-27" of Zoho class 8400004 ("Hidden"), but the web-service user cannot see it: it is hidden and the user lacks moodle/course:viewhiddencourses.`,
    );
  });
});

describe('classes with the teachers module', () => {
  it('enrols a teacher mzi provisions from Zoho, the class arriving first', async () => {
    moodle = await startFakeMoodle();
    service = await startTestService(
      { MOODLE_URL: moodle.url, MOODLE_TOKEN: moodle.token, MOODLE_TIMEOUT: '1' },
      { threads: false },
    );
    await service.moodleHealth.refresh();
    const category = moodle.addCategory({ name: 'IT' });
    await send(service, 'program', '8500001', { Product_Name: 'IT', MoodleID: String(category.id) });
    const early = await send(service, 'class', '8500002', activeClass('8500001', '8500003'));
    expect(early).toMatchObject({ status: 'pending', error_code: 'dependency.waiting' });

    const teacher = await send(service, 'teacher', '8500003', {
      Name: 'Rana Khoury',
      Academic_Email: 'rana.khoury@school.example',
    });
    expect(teacher.status).toBe('completed');
    await service.worker.drain();
    const userId = Number(resultOf(teacher).moodle.user_id);
    expect(moodle.users.get(userId)?.idnumber).toBe('zoho-teacher-8500003');
    const course = courseByIdnumber(moodle, 'zoho-class-8500002');
    expect(course?.categoryid).toBe(category.id);
    expect([...(moodle.enrolment(course?.id ?? 0, userId)?.roles ?? [])]).toEqual([3]);
  });
});
