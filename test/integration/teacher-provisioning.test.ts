import { afterEach, describe, expect, it } from 'vitest';
import { createLinksOf, MODULES } from '../../src/modules/index.js';
import { withTeachers } from '../../src/modules/teachers/teacher-table.js';
import { customStudentBody, eventRow, postStudent } from '../helpers/deliveries.js';
import {
  type FakeMoodle,
  type FakeMoodleOptions,
  RESTRICTED_CAPABILITIES,
  startFakeMoodle,
} from '../helpers/fake-moodle.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let moodle: FakeMoodle | undefined;
let service: TestService | undefined;
afterEach(async () => {
  await service?.cleanup();
  await moodle?.close();
  service = undefined;
  moodle = undefined;
});

async function setup(env: Record<string, string> = {}, fake: FakeMoodleOptions = {}) {
  moodle = await startFakeMoodle(fake);
  service = await startTestService(
    { MOODLE_URL: moodle.url, MOODLE_TOKEN: moodle.token, MOODLE_TIMEOUT: '1', ...env },
    { threads: false },
  );
  await service.moodleHealth.refresh();
  return { moodle, service };
}

/** Posts a body to the teacher webhook through the real app. */
async function postTeacher(s: TestService, payload: string, contentType: string, query = '') {
  const response = await s.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/teacher${query}`,
    headers: { 'content-type': contentType },
    payload,
  });
  expect(response.statusCode).toBe(200);
  return response.json() as { event_id: string };
}

/** A custom-JSON teacher body, the original system's shape. */
const teacher = (i: number, data: Record<string, unknown> = {}, operation = 'insert') => ({
  notification_id: `t${i}-${Math.random()}`,
  module: 'BTEC_Teachers',
  operation,
  record_id: String(7100000 + i),
  data: {
    Name: `Teacher Number${i}`,
    Academic_Email: `teacher${i}@school.example.edu`,
    Email: `teacher${i}@home.example`,
    Phone_Number: '+961 1 234 567',
    Teacher_Moodle_ID: '',
    ...data,
  },
});

/** Posts a delivery and processes everything due; the event row. */
async function deliver(s: TestService, body: Record<string, unknown>) {
  const { event_id } = await postTeacher(s, JSON.stringify(body), 'application/json');
  await s.worker.drain();
  return eventRow(s.database.db, event_id);
}

async function deliverStudent(s: TestService, body: Record<string, unknown>) {
  const reply = await postStudent(s, body);
  await s.worker.drain();
  return eventRow(s.database.db, reply.body.event_id as string);
}

const teacherLinks = (s: TestService, ids: string[]) => createLinksOf(MODULES)('teacher', s.database.db, ids);
/** The tests run with the admin's token as in the first recordings, and with the restricted user of section D. */
const TOKENS: Array<[string, FakeMoodleOptions]> = [
  ['the admin token', {}],
  ['a restricted web-service user (txwsrole of the recordings)', { restricted: true }],
];
const result = (event: { result: string | null }) => JSON.parse(event.result ?? '{}');
const teacherRow = (s: TestService, recordId: string) =>
  withTeachers(s.database.db)
    .selectFrom('teachers')
    .selectAll()
    .where('zoho_record_id', '=', recordId)
    .executeTakeFirst();
const snapshot = (m: FakeMoodle) => JSON.stringify([...m.users.values()]);
const calls = (m: FakeMoodle, fn: string) => m.requests.filter((r) => r.wsfunction === fn);
const staff = (m: FakeMoodle, name: string, extra: Record<string, unknown> = {}) =>
  m.addUser({
    username: name,
    email: `${name}@school.example`,
    firstname: 'Staff',
    lastname: name,
    ...extra,
  });

describe.each(TOKENS)('teachers in Moodle, with %s', (_, fake) => {
  it('creates the Moodle user with the prefixed idnumber, Academic_Email first, and stores the link', async () => {
    const { moodle, service } = await setup({}, fake);
    const event = await deliver(service, teacher(1, { Academic_Email: 'Rania.Saad@School.example.edu' }));
    expect(event.status).toBe('completed');
    const outcome = result(event);
    expect(outcome).toMatchObject({
      local: 'created',
      email_from: 'Academic_Email',
      moodle: { action: 'created', ownership: 'created', user_id: expect.any(Number) },
    });
    expect(moodle.users.get(outcome.moodle.user_id)).toMatchObject({
      username: 'rania.saad@school.example.edu',
      email: 'Rania.Saad@School.example.edu',
      idnumber: 'zoho-teacher-7100001',
      firstname: 'Teacher',
      lastname: 'Number1',
      phone1: '+961 1 234 567',
      auth: 'manual',
      suspended: false,
    });
    expect(await teacherRow(service, '7100001')).toMatchObject({
      moodle_user_id: String(outcome.moodle.user_id),
      moodle_ownership: 'created',
      email: 'teacher1@home.example',
      deleted_at: null,
    });
    const links = await teacherLinks(service, ['7100001', '7199999']);
    expect([...links]).toEqual([['7100001', { moodleId: outcome.moodle.user_id, live: true }]]);
  });

  it('takes Email when Academic_Email is empty and says so; the prefix is a setting', async () => {
    const { moodle, service } = await setup({ MOODLE_TEACHER_IDNUMBER_PREFIX: 'T-' }, fake);
    const event = await deliver(service, teacher(2, { Academic_Email: '' }));
    expect(result(event).email_from).toBe('Email');
    expect(moodle.users.get(result(event).moodle.user_id)).toMatchObject({
      username: 'teacher2@home.example',
      email: 'teacher2@home.example',
      idnumber: 'T-7100002',
    });
  });

  it('updates the same user on edit, and sends nothing when nothing changed', async () => {
    const { moodle, service } = await setup({}, fake);
    const id = result(await deliver(service, teacher(3))).moodle.user_id;
    const renamed = await deliver(service, teacher(3, { Name: 'Teacher Number3 Khoury' }, 'update'));
    expect(result(renamed).moodle).toMatchObject({ action: 'updated', user_id: id, changed: ['lastname'] });
    const updates = calls(moodle, 'core_user_update_users').length;
    const same = await deliver(service, teacher(3, { Name: 'Teacher Number3 Khoury' }, 'update'));
    expect(result(same).moodle.action).toBe('unchanged');
    expect(calls(moodle, 'core_user_update_users')).toHaveLength(updates);
  });

  it('adopts an unlinked staff account found by email: idnumber and names, never username, auth, city or suspension', async () => {
    const { moodle, service } = await setup({ MOODLE_AUTH: 'oauth2' }, fake);
    const existing = staff(moodle, 'r.saad', {
      email: 'Teacher4@School.example.edu',
      city: 'Beirut',
      country: 'LB',
      suspended: true,
    });
    const event = await deliver(service, teacher(4));
    expect(result(event).moodle).toMatchObject({
      action: 'updated',
      user_id: existing.id,
      matched_by: 'email',
      ownership: 'adopted',
      changed: ['firstname', 'lastname', 'idnumber', 'phone1'],
    });
    expect(moodle.users.get(existing.id)).toMatchObject({
      username: 'r.saad',
      auth: 'manual',
      idnumber: 'zoho-teacher-7100004',
      city: 'Beirut',
      country: 'LB',
      // Suspended by hand in Moodle: no teacher status undoes it.
      suspended: true,
    });
    // Found again by its idnumber once the mirror is gone: the link is the idnumber.
    await withTeachers(service.database.db).deleteFrom('teachers').execute();
    const again = await deliver(
      service,
      teacher(4, { Academic_Email: 'other@school.example.edu' }, 'update'),
    );
    expect(result(again).moodle).toMatchObject({
      user_id: existing.id,
      matched_by: 'idnumber',
      ownership: 'linked',
    });
  });

  it('refuses protected accounts and accounts whose idnumber is another value, changing nothing', async () => {
    const { moodle, service } = await setup({ MOODLE_PROTECTED_USERS: 'head@school.example' }, fake);
    staff(moodle, 'head');
    staff(moodle, 'other', { idnumber: 'EMP-9' });
    const before = snapshot(moodle);
    const admin = await deliver(service, teacher(5, { Academic_Email: 'ADMIN@example.com' }));
    const head = await deliver(service, teacher(6, { Academic_Email: 'head@school.example' }));
    const other = await deliver(service, teacher(7, { Academic_Email: 'other@school.example' }));
    expect([admin, head, other].map((e) => e.error_code)).toEqual(Array(3).fill('moodle.account_conflict'));
    expect(admin.error_message).toContain('Moodle user 2 has the Academic_Email of Zoho record 7100005');
    expect(head.error_message).toContain('MOODLE_PROTECTED_USERS');
    expect(other.error_message).toContain('its idnumber is set to another value');
    expect(other.error_message).toContain('set its idnumber in Moodle to "zoho-teacher-7100007"');
    expect(snapshot(moodle)).toBe(before);
  });

  it("never adopts a student's account for a teacher, nor a teacher's for a student, naming both records", async () => {
    const { moodle, service } = await setup({}, fake);
    const student = customStudentBody({
      recordId: '6400001',
      data: { Student_ID_Number: '', Academic_Email: 'shared@school.example.edu', Moodle_User_ID: '' },
    });
    const studentId = result(await deliverStudent(service, student)).moodle.user_id;
    const before = snapshot(moodle);

    const byEmail = await deliver(service, teacher(8, { Academic_Email: 'Shared@School.example.edu' }));
    expect(byEmail.error_code).toBe('moodle.account_conflict');
    expect(byEmail.error_message).toContain(
      `Moodle user ${studentId}, found for Zoho record 7100008, is already the account of Zoho record 6400001 (BTEC_Students, a student)`,
    );
    const byId = await deliver(service, teacher(9, { Teacher_Moodle_ID: String(studentId) }));
    expect(byId.error_code).toBe('moodle.account_conflict');
    expect(byId.error_message).toContain('Zoho record 6400001 (BTEC_Students');
    expect(snapshot(moodle)).toBe(before);

    const teacherId = result(await deliver(service, teacher(10))).moodle.user_id;
    const back = await deliverStudent(
      service,
      customStudentBody({
        recordId: '6400002',
        data: { Student_ID_Number: '', Academic_Email: 'teacher10@school.example.edu', Moodle_User_ID: '' },
      }),
    );
    expect(back.error_code).toBe('moodle.account_conflict');
    expect(back.error_message).toContain(
      `Moodle user ${teacherId}, found for Zoho record 6400002, is already the account of Zoho record 7100010 (BTEC_Teachers, a teacher)`,
    );
    expect(moodle.users.get(teacherId)?.idnumber).toBe('zoho-teacher-7100010');
  });

  it('fails a Teacher_Moodle_ID that is no Moodle user, or not a user id, naming the field', async () => {
    const { service } = await setup({}, fake);
    const unknown = await deliver(service, teacher(11, { Teacher_Moodle_ID: '4242' }));
    expect(unknown.error_code).toBe('validation.moodle_user_id_not_found');
    expect(unknown.error_message).toContain(
      'Moodle user 4242 (Teacher_Moodle_ID of Zoho record 7100011) does not exist in Moodle: correct or clear Teacher_Moodle_ID in Zoho',
    );
    const invalid = await deliver(service, teacher(12, { Teacher_Moodle_ID: 'abc' }));
    expect(invalid.error_code).toBe('validation.moodle_user_id_invalid');
    expect(invalid.error_message).toContain('Teacher_Moodle_ID "abc" of Zoho record 7100012');
  });

  it('uses the account Teacher_Moodle_ID names when it is free', async () => {
    const { moodle, service } = await setup({}, fake);
    const named = staff(moodle, 'named');
    const event = await deliver(service, teacher(13, { Teacher_Moodle_ID: String(named.id) }));
    expect(result(event).moodle).toMatchObject({
      user_id: named.id,
      matched_by: 'moodle_user_id',
      ownership: 'adopted',
    });
  });

  it('fails a teacher without any email, or with an invalid one, naming the field', async () => {
    const { service } = await setup({}, fake);
    const none = await deliver(service, teacher(14, { Academic_Email: '', Email: null }));
    expect(none.error_code).toBe('teacher.email_missing');
    expect(none.error_message).toContain('Zoho record 7100014 has neither an Academic_Email nor an Email');
    const bad = await deliver(service, teacher(15, { Academic_Email: '', Email: 'nope' }));
    expect(bad.error_code).toBe('teacher.email_invalid');
    expect(bad.error_message).toContain('Email "nope" of Zoho record 7100015 is not a valid email address');
  });
});

describe.each(TOKENS)('deleting teachers, with %s', (_, fake) => {
  it('keeps the account by default (MOODLE_ON_TEACHER_DELETE=ignore) and marks the teacher deleted', async () => {
    const { moodle, service } = await setup({}, fake);
    const id = result(await deliver(service, teacher(20))).moodle.user_id;
    const deleted = await deliver(service, teacher(20, {}, 'delete'));
    expect(result(deleted)).toMatchObject({ local: 'deleted', moodle: { action: 'ignored' } });
    expect(moodle.users.get(id)).toMatchObject({ suspended: false, deleted: false });
    expect((await teacherRow(service, '7100020'))?.deleted_at).not.toBeNull();
    expect((await teacherLinks(service, ['7100020'])).get('7100020')).toEqual({ moodleId: id, live: false });
  });

  it('suspends with MOODLE_ON_TEACHER_DELETE=suspend and reactivates the teacher restored in Zoho', async () => {
    const { moodle, service } = await setup({ MOODLE_ON_TEACHER_DELETE: 'suspend' }, fake);
    const id = result(await deliver(service, teacher(21))).moodle.user_id;
    const deleted = await deliver(service, teacher(21, {}, 'delete'));
    expect(result(deleted).moodle).toMatchObject({ action: 'suspended', user_id: id, ownership: 'created' });
    expect(moodle.users.get(id)?.suspended).toBe(true);
    const restored = await deliver(service, teacher(21, {}, 'insert'));
    expect(result(restored)).toMatchObject({
      local: 'restored',
      moodle: { action: 'updated', changed: ['suspended'] },
    });
    expect(moodle.users.get(id)?.suspended).toBe(false);
    expect((await teacherRow(service, '7100021'))?.moodle_suspended_at).toBeNull();
  });

  it('does not reactivate, on restore, an account that was already suspended by hand when deleted', async () => {
    const { moodle, service } = await setup({ MOODLE_ON_TEACHER_DELETE: 'suspend' }, fake);
    const id = result(await deliver(service, teacher(22))).moodle.user_id;
    (moodle.users.get(id) as { suspended: boolean }).suspended = true;
    const deleted = await deliver(service, teacher(22, {}, 'delete'));
    expect(result(deleted).moodle.action).toBe('already_suspended');
    const restored = await deliver(service, teacher(22, {}, 'insert'));
    expect(result(restored).moodle.action).toBe('unchanged');
    expect(moodle.users.get(id)?.suspended).toBe(true);
  });
});

describe('deleting teachers with MOODLE_ON_TEACHER_DELETE=delete (the restricted role may not: see below)', () => {
  it('deletes only an account mzi owns', async () => {
    const { moodle, service } = await setup({ MOODLE_ON_TEACHER_DELETE: 'delete' });
    const id = result(await deliver(service, teacher(23))).moodle.user_id;
    const deleted = await deliver(service, teacher(23, {}, 'delete'));
    expect(result(deleted).moodle).toMatchObject({ action: 'deleted', user_id: id });
    expect(moodle.users.get(id)?.deleted).toBe(true);
    expect((await teacherRow(service, '7100023'))?.moodle_user_id).toBeNull();
    // A delete naming an account mzi never linked to the teacher leaves it alone.
    const other = staff(moodle, 'unlinked');
    const before = snapshot(moodle);
    const unknown = await deliver(service, teacher(24, { Teacher_Moodle_ID: String(other.id) }, 'delete'));
    expect(result(unknown)).toMatchObject({
      local: 'deleted_unknown_record',
      moodle: { action: 'not_linked' },
    });
    expect(snapshot(moodle)).toBe(before);
  });
});

describe('teachers with a restricted web-service user', () => {
  it('fails a delete the role may not do, naming the capability and where to grant it', async () => {
    const { moodle, service } = await setup({ MOODLE_ON_TEACHER_DELETE: 'delete' }, { restricted: true });
    const id = result(await deliver(service, teacher(40))).moodle.user_id;
    const deleted = await deliver(service, teacher(40, {}, 'delete'));
    expect(deleted.status).toBe('failed');
    expect(deleted.error_code).toBe('moodle.nopermissions');
    expect(deleted.error_message).toContain('(Delete users)');
    expect(deleted.error_message).toContain(
      "The role of mzi's web-service user lacks the capability moodle/user:delete: allow it in Site administration > Users > Permissions > Define roles",
    );
    expect(moodle.users.get(id)?.deleted).toBe(false);
    expect((await teacherRow(service, '7100040'))?.deleted_at).toBeNull();
  });

  it('fails a new teacher when the role may not create users, naming the capability', async () => {
    const capabilities = RESTRICTED_CAPABILITIES.filter((c) => c !== 'moodle/user:create');
    const { service } = await setup({}, { restricted: { capabilities } });
    const event = await deliver(service, teacher(41));
    expect(event.error_code).toBe('moodle.nopermissions');
    expect(event.error_message).toContain('lacks the capability moodle/user:create');
  });
});

describe('teacher deliveries', () => {
  it('accepts the custom JSON, form data and flat JSON bodies alike', async () => {
    const { moodle, service } = await setup();
    const custom = await postTeacher(service, JSON.stringify(teacher(30)), 'application/json');
    const form = await postTeacher(
      service,
      new URLSearchParams({
        id: '7100031',
        Name: 'Form Teacher',
        Academic_Email: 'form.teacher@school.example.edu',
        Phone_Number: '',
      }).toString(),
      'application/x-www-form-urlencoded',
      '?operation=insert',
    );
    const flat = await postTeacher(
      service,
      JSON.stringify({ id: '7100032', Name: 'Flat Teacher', Email: 'flat.teacher@home.example' }),
      'application/json',
    );
    await service.worker.drain();
    const events = await Promise.all(
      [custom, form, flat].map((reply) => eventRow(service.database.db, reply.event_id)),
    );
    expect(events.map((e) => [e.module, e.record_id, e.event_type, e.status])).toEqual([
      ['BTEC_Teachers', '7100030', 'insert', 'completed'],
      ['BTEC_Teachers', '7100031', 'insert', 'completed'],
      ['BTEC_Teachers', '7100032', 'insert', 'completed'],
    ]);
    const users = events.map((e) => moodle.users.get(result(e).moodle.user_id));
    expect(users.map((u) => [u?.username, u?.idnumber])).toEqual([
      ['teacher30@school.example.edu', 'zoho-teacher-7100030'],
      ['form.teacher@school.example.edu', 'zoho-teacher-7100031'],
      ['flat.teacher@home.example', 'zoho-teacher-7100032'],
    ]);
    // Operation inference: a known, live teacher is updated.
    const again = await postTeacher(
      service,
      JSON.stringify({ id: '7100032', Name: 'Flat Teacher Renamed', Email: 'flat.teacher@home.example' }),
      'application/json',
    );
    await service.worker.drain();
    const update = await eventRow(service.database.db, again.event_id);
    expect([update.event_type, update.status, result(update).moodle.changed]).toEqual([
      'update',
      'completed',
      ['lastname'],
    ]);
  });

  it('keeps teacher emails and names out of the logs', async () => {
    const { service } = await setup();
    await deliver(
      service,
      teacher(33, { Academic_Email: 'secret.teacher@school.example.edu', Name: 'Secretname Person' }),
    );
    expect(service.logs()).not.toContain('secret.teacher@school.example.edu');
    expect(service.logs()).not.toContain('Secretname');
  });

  it('mirrors locally and says so when Moodle is not configured', async () => {
    service = await startTestService({}, { threads: false });
    const event = await deliver(service, teacher(34));
    expect(result(event)).toMatchObject({ local: 'created', moodle: { action: 'skipped' } });
    expect(await teacherRow(service, '7100034')).toMatchObject({
      academic_email: 'teacher34@school.example.edu',
    });
  });

  it('with a web-service user of its own (not the admin): refuses that account and provisions the others', async () => {
    const { moodle, service } = await setup(
      {},
      { tokenUser: { username: 'mziws', email: 'ws@school.example' } },
    );
    const own = await deliver(service, teacher(35, { Academic_Email: 'WS@School.example' }));
    expect(own.error_code).toBe('moodle.account_conflict');
    expect(own.error_message).toContain(
      `Moodle user ${moodle.tokenUserId} has the Academic_Email of Zoho record 7100035`,
    );
    expect(own.error_message).toContain("mzi's own web-service token");
    const byId = await deliver(service, teacher(36, { Teacher_Moodle_ID: String(moodle.tokenUserId) }));
    expect(byId.error_message).toContain(
      `Moodle user ${moodle.tokenUserId} is the Teacher_Moodle_ID of Zoho record 7100036`,
    );
    const created = await deliver(service, teacher(37));
    expect(result(created).moodle.action).toBe('created');
  });
});
