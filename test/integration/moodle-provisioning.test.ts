import { afterEach, describe, expect, it } from 'vitest';
import { customStudentBody, eventRow, postStudent, studentRow } from '../helpers/deliveries.js';
import { eventually } from '../helpers/eventually.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../helpers/test-service.js';

let moodle: FakeMoodle | undefined;
let service: TestService | undefined;
afterEach(async () => {
  await service?.cleanup();
  await moodle?.close();
  service = undefined;
  moodle = undefined;
});

async function setup(env: Record<string, string> = {}, fake: Parameters<typeof startFakeMoodle>[0] = {}) {
  moodle = await startFakeMoodle(fake);
  service = await startTestService(
    {
      MOODLE_URL: moodle.url,
      MOODLE_TOKEN: moodle.token,
      MOODLE_TIMEOUT: '1',
      ...env,
    },
    { threads: false },
  );
  // Let the start-up health check finish, so injected failures hit the calls under test.
  await service.moodleHealth.refresh();
  return { moodle, service };
}

/** Posts a delivery and processes everything due. */
async function deliver(s: TestService, body: Record<string, unknown>, query?: string) {
  const reply = await postStudent(s, body, query ? { query } : {});
  expect(reply.status).toBe(200);
  await s.worker.drain();
  return eventRow(s.database.db, reply.body.event_id as string);
}

/** Makes every pending retry due now (instead of waiting for the backoff). */
async function fastForward(s: TestService) {
  await s.database.db
    .updateTable('integration_events_log')
    .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
    .where('status', '=', 'pending')
    .execute();
  await s.worker.drain();
}

/** Posts all bodies with the worker idle (WORKER_ENABLED=false), then processes them together as one batch. */
async function burst(s: TestService, bodies: Array<Record<string, unknown>>) {
  const ids: string[] = [];
  for (const body of bodies) ids.push((await postStudent(s, body)).body.event_id as string);
  await s.worker.drain();
  return Promise.all(ids.map((id) => eventRow(s.database.db, id)));
}

const liveUsers = (m: FakeMoodle) => [...m.users.values()].filter((u) => !u.deleted && u.id > 2);
const calls = (m: FakeMoodle, fn: string) => m.requests.filter((r) => r.wsfunction === fn);

describe('Moodle provisioning', () => {
  it('creates the Moodle user with mapped fields, stores its id and says what it did', async () => {
    const { moodle, service } = await setup();
    const body = customStudentBody({
      recordId: '6100001',
      data: { Academic_Email: 'Lina.Haddad+x@Student.Example.edu' },
    });
    const event = await deliver(service, body);
    expect(event.status).toBe('completed');
    const result = JSON.parse(event.result ?? '{}');
    expect(result.moodle).toMatchObject({ action: 'created', user_id: expect.any(Number) });
    const user = moodle.users.get(result.moodle.user_id);
    expect(user).toMatchObject({
      username: 'lina.haddadx@student.example.edu',
      firstname: 'Lina',
      lastname: 'Haddad',
      email: 'Lina.Haddad+x@Student.Example.edu',
      idnumber: 'A01B3900C',
      phone1: '+961 71 234 567',
      city: 'Beirut',
      country: 'LB',
      auth: 'manual',
      suspended: false,
    });
    const create = calls(moodle, 'core_user_create_users')[0];
    expect(JSON.stringify(create?.params)).toContain('"createpassword":"1"');
    expect((await studentRow(service.database.db, '6100001'))?.moodle_user_id).toBe(
      String(result.moodle.user_id),
    );
  });

  it('maps country names to ISO codes, and leaves an unknown country empty with a warning on the event', async () => {
    const { moodle, service } = await setup();
    const uk = await deliver(
      service,
      customStudentBody({ data: { Country: 'United Kingdom', Student_ID_Number: 'C-1' } }),
    );
    expect(moodle.users.get(JSON.parse(uk.result ?? '{}').moodle.user_id)?.country).toBe('GB');
    const ksa = await deliver(
      service,
      customStudentBody({
        data: { Country: 'Saudi Arabia', Student_ID_Number: 'C-2', Academic_Email: 'c2@student.example.edu' },
      }),
    );
    expect(moodle.users.get(JSON.parse(ksa.result ?? '{}').moodle.user_id)?.country).toBe('SA');
    const unknown = await deliver(
      service,
      customStudentBody({
        data: { Country: 'Atlantis', Student_ID_Number: 'C-3', Academic_Email: 'c3@student.example.edu' },
      }),
    );
    expect(unknown.status).toBe('completed');
    expect(moodle.users.get(JSON.parse(unknown.result ?? '{}').moodle.user_id)?.country).toBe('');
    expect(unknown.warnings).toContain('Country \\"Atlantis\\" is not a country mzi recognises');
  });

  it('updates the same Moodle user on edit (rename, new country) and sends nothing when nothing changed', async () => {
    const { moodle, service } = await setup();
    const recordId = '6100002';
    const created = await deliver(service, customStudentBody({ recordId }));
    const userId = JSON.parse(created.result ?? '{}').moodle.user_id;
    const renamed = await deliver(
      service,
      customStudentBody({
        recordId,
        operation: 'update',
        data: { Name: 'Lina Haddad Khoury', Country: 'Oman' },
      }),
    );
    expect(JSON.parse(renamed.result ?? '{}').moodle).toMatchObject({
      action: 'updated',
      user_id: userId,
      changed: ['lastname', 'country'],
    });
    expect(moodle.users.get(userId)).toMatchObject({
      firstname: 'Lina',
      lastname: 'Haddad Khoury',
      country: 'OM',
    });
    const updatesBefore = calls(moodle, 'core_user_update_users').length;
    const same = await deliver(
      service,
      customStudentBody({
        recordId,
        operation: 'update',
        data: { Name: 'Lina Haddad Khoury', Country: 'Oman', Gender: 'F' },
      }),
    );
    expect(JSON.parse(same.result ?? '{}').moodle.action).toBe('unchanged');
    expect(calls(moodle, 'core_user_update_users')).toHaveLength(updatesBefore);
    expect(liveUsers(moodle)).toHaveLength(1);
  });

  it('suspends by Student_Status (create, then suspend, since Moodle refuses suspended on create) and unsuspends', async () => {
    const { moodle, service } = await setup({ MOODLE_SUSPEND_STATUSES: 'Withdrawn,Suspended' });
    const recordId = '6100003';
    const created = await deliver(
      service,
      customStudentBody({ recordId, data: { Student_Status: 'withdrawn' } }),
    );
    const userId = JSON.parse(created.result ?? '{}').moodle.user_id;
    expect(created.status).toBe('completed');
    expect(moodle.users.get(userId)?.suspended).toBe(true);
    const createParams = JSON.stringify(calls(moodle, 'core_user_create_users')[0]?.params);
    expect(createParams).not.toContain('suspended');
    await deliver(
      service,
      customStudentBody({ recordId, operation: 'update', data: { Student_Status: 'Active' } }),
    );
    expect(moodle.users.get(userId)?.suspended).toBe(false);
  });

  it.each([
    ['suspend', { suspended: true, deleted: false }, 'suspended'],
    ['delete', { deleted: true }, 'deleted'],
    ['ignore', { suspended: false, deleted: false }, 'ignored'],
  ])('applies MOODLE_ON_DELETE=%s on delete', async (onDelete, expected, action) => {
    const { moodle, service } = await setup({ MOODLE_ON_DELETE: onDelete });
    const recordId = '6100004';
    const created = await deliver(service, customStudentBody({ recordId }));
    const userId = JSON.parse(created.result ?? '{}').moodle.user_id;
    const deleted = await deliver(service, customStudentBody({ recordId, operation: 'delete' }));
    expect(deleted.status).toBe('completed');
    expect(JSON.parse(deleted.result ?? '{}').moodle.action).toBe(action);
    expect(moodle.users.get(userId)).toMatchObject(expected);
    expect((await studentRow(service.database.db, recordId))?.deleted_at).not.toBeNull();
  });

  it('fails an event whose Moodle_User_ID does not exist in Moodle, with the documented message', async () => {
    const { service } = await setup();
    const event = await deliver(
      service,
      customStudentBody({ recordId: '6100005', data: { Moodle_User_ID: '123' } }),
    );
    expect(event.status).toBe('failed');
    expect(event.error_message).toContain(
      'Moodle user 123 (Moodle_User_ID of Zoho record 6100005) does not exist in Moodle',
    );
  });

  it('does not mistake a deleted Moodle user (still returned by id) for a live one', async () => {
    const { moodle, service } = await setup();
    const ghost = moodle.addUser({
      username: 'ghost',
      email: 'ghost@student.example.edu',
      firstname: 'G',
      lastname: 'H',
    });
    await service.app.inject({ method: 'GET', url: '/' });
    // Delete it the way Moodle does (anonymised, still returned by get_users_by_field id).
    const deletion = await fetch(`${moodle.url}/webservice/rest/server.php?moodlewsrestformat=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `wstoken=${moodle.token}&wsfunction=core_user_delete_users&userids[0]=${ghost.id}`,
    });
    expect(await deletion.text()).toBe('null');
    const event = await deliver(
      service,
      customStudentBody({ recordId: '6100006', data: { Moodle_User_ID: String(ghost.id) } }),
    );
    expect(event.status).toBe('failed');
    expect(event.error_message).toContain(
      `Moodle user ${ghost.id} (Moodle_User_ID of Zoho record 6100006) does not exist`,
    );
  });

  it('updates the user named by an existing Moodle_User_ID instead of creating one', async () => {
    const { moodle, service } = await setup();
    const existing = moodle.addUser({
      username: 'old.name',
      email: 'old@student.example.edu',
      firstname: 'Old',
      lastname: 'Name',
    });
    const event = await deliver(
      service,
      customStudentBody({ data: { Moodle_User_ID: String(existing.id) } }),
    );
    expect(JSON.parse(event.result ?? '{}').moodle).toMatchObject({
      action: 'updated',
      user_id: existing.id,
      matched_by: 'moodle_user_id',
    });
    expect(moodle.users.get(existing.id)).toMatchObject({
      email: 'a01b3900c@student.example.edu',
      firstname: 'Lina',
    });
    expect(calls(moodle, 'core_user_create_users')).toHaveLength(0);
  });

  it('finds an existing account by idnumber, then by email, so nothing is duplicated', async () => {
    const { moodle, service } = await setup();
    const byId = moodle.addUser({
      username: 'legacy1',
      email: 'legacy1@school.example',
      idnumber: 'A01B3900C',
      firstname: 'L',
      lastname: 'H',
    });
    const first = await deliver(service, customStudentBody());
    expect(JSON.parse(first.result ?? '{}').moodle).toMatchObject({
      user_id: byId.id,
      matched_by: 'idnumber',
    });

    const byEmail = moodle.addUser({
      username: 'legacy2',
      email: 'Second@Student.Example.edu',
      firstname: 'S',
      lastname: 'E',
    });
    const second = await deliver(
      service,
      customStudentBody({
        data: { Student_ID_Number: 'NEW-2', Academic_Email: 'second@student.example.edu' },
      }),
    );
    expect(second.error_message).toBeNull();
    expect(JSON.parse(second.result ?? '{}').moodle).toMatchObject({
      user_id: byEmail.id,
      matched_by: 'email',
    });
    expect(calls(moodle, 'core_user_create_users')).toHaveLength(0);
  });

  it("fails with Moodle's warning when the new email belongs to another Moodle account", async () => {
    const { moodle, service } = await setup();
    moodle.addUser({ username: 'taken', email: 'taken@student.example.edu', firstname: 'T', lastname: 'K' });
    const recordId = '6100007';
    await deliver(service, customStudentBody({ recordId }));
    const event = await deliver(
      service,
      customStudentBody({
        recordId,
        operation: 'update',
        data: { Academic_Email: 'taken@student.example.edu' },
      }),
    );
    expect(event.status).toBe('failed');
    expect(event.error_message).toContain('useremailduplicate');
  });

  it("fails at once with Moodle's errorcode when Moodle rejects the data", async () => {
    const { service } = await setup({ MOODLE_AUTH: 'notaplugin' });
    const event = await deliver(service, customStudentBody());
    expect(event.status).toBe('failed');
    expect(event.attempts).toBe(1);
    expect(event.error_message).toContain('invalidparameter');
    expect(event.error_message).toContain('core_user_create_users');
  });

  it('fails with invalidtoken when the token is wrong, without writing the token anywhere', async () => {
    moodle = await startFakeMoodle();
    service = await startTestService(
      { MOODLE_URL: moodle.url, MOODLE_TOKEN: 'wrong-token-value' },
      { threads: false },
    );
    const event = await deliver(service, customStudentBody());
    expect(event.status).toBe('failed');
    expect(event.error_message).toContain('invalidtoken');
    expect(JSON.stringify(event)).not.toContain('wrong-token-value');
    expect(service.logs()).not.toContain('wrong-token-value');
  });

  it.each(['network', 'html503', 'http500', 'timeout'] as const)(
    'retries with backoff when Moodle fails (%s), keeps later events of the student waiting, then completes',
    async (mode) => {
      const { moodle, service } = await setup();
      const recordId = '6100008';
      moodle.failNext(1, mode);
      const first = await postStudent(service, customStudentBody({ recordId }));
      const second = await postStudent(
        service,
        customStudentBody({ recordId, operation: 'update', data: { City: 'Tyre' } }),
      );
      await service.worker.drain();
      const pending = await eventRow(service.database.db, first.body.event_id as string);
      expect(pending.status).toBe('pending');
      expect(pending.attempts).toBe(1);
      expect(pending.error_message).toContain('will retry');
      expect(new Date(pending.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 5000);
      expect((await eventRow(service.database.db, second.body.event_id as string)).status).toBe('pending');

      await fastForward(service);
      expect((await eventRow(service.database.db, first.body.event_id as string)).status).toBe('completed');
      expect((await eventRow(service.database.db, second.body.event_id as string)).status).toBe('completed');
      const users = liveUsers(moodle);
      expect(users).toHaveLength(1);
      expect(users[0]?.city).toBe('Tyre');
    },
  );

  it('retries the events that waited for Moodle as soon as its health check sees it back', async () => {
    const { moodle, service } = await setup();
    moodle.failNext(1000, 'network');
    const reply = await postStudent(service, customStudentBody());
    await service.worker.drain();
    expect((await eventRow(service.database.db, reply.body.event_id as string)).status).toBe('pending');
    // The failed call itself told health, without waiting for the next regular check.
    expect(service.moodleHealth.state().status).toBe('unreachable');

    moodle.failNext(0, 'network');
    expect((await service.moodleHealth.refresh()).status).toBe('ok');
    await eventually(
      async () =>
        expect((await eventRow(service.database.db, reply.body.event_id as string)).status).toBe('completed'),
      { what: 'the event completed once Moodle is back' },
    );
    expect(liveUsers(moodle)).toHaveLength(1);
  });

  it('fails after max_attempts with the last reason when Moodle stays down', async () => {
    const { moodle, service } = await setup({ MAX_ATTEMPTS: '3' });
    moodle.failNext(100, 'html503');
    const reply = await postStudent(service, customStudentBody());
    await service.worker.drain();
    await fastForward(service);
    await fastForward(service);
    const event = await eventRow(service.database.db, reply.body.event_id as string);
    expect(event.status).toBe('failed');
    expect(event.attempts).toBe(3);
    expect(event.error_message).toContain('Moodle unavailable');
    expect(event.error_message).not.toContain('will retry');
  });

  it('keeps at most MOODLE_CONCURRENCY calls in flight during a burst', async () => {
    const { moodle, service } = await setup({ MOODLE_CONCURRENCY: '2', WORKER_CONCURRENCY: '8' });
    moodle.setDelay(20);
    for (let i = 0; i < 12; i += 1) {
      await postStudent(
        service,
        customStudentBody({
          data: { Student_ID_Number: `B-${i}`, Academic_Email: `burst${i}@student.example.edu` },
        }),
      );
    }
    await service.worker.drain();
    expect(liveUsers(moodle)).toHaveLength(12);
    expect(moodle.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('takes the username from Student_ID_Number with MOODLE_USERNAME_FROM=student_id, and a single-word name gets a fallback last name', async () => {
    const { moodle, service } = await setup({ MOODLE_USERNAME_FROM: 'student_id' });
    const event = await deliver(
      service,
      customStudentBody({ data: { Student_ID_Number: 'AB 12/C', Name: 'Madonna' } }),
    );
    const user = moodle.users.get(JSON.parse(event.result ?? '{}').moodle.user_id);
    expect(user).toMatchObject({ username: 'ab12c', firstname: 'Madonna', lastname: '-' });
  });

  it('does not touch the Moodle account of another student when a Student_ID_Number is already taken', async () => {
    const { moodle, service } = await setup();
    await deliver(service, customStudentBody({ recordId: '6100010', data: { Student_ID_Number: 'SAME' } }));
    const before = JSON.stringify([...moodle.users.values()]);
    const event = await deliver(
      service,
      customStudentBody({
        recordId: '6100011',
        data: { Student_ID_Number: 'SAME', Academic_Email: 'x@student.example.edu' },
      }),
    );
    expect(event.status).toBe('failed');
    expect(event.error_code).toBe('validation.student_id_number_taken');
    expect(JSON.stringify([...moodle.users.values()])).toBe(before);
  });
});

describe('Moodle provisioning in batches', () => {
  const student = (i: number, data: Record<string, unknown> = {}) =>
    customStudentBody({
      recordId: String(6200000 + i),
      data: { Student_ID_Number: `BT-${i}`, Academic_Email: `bt${i}@student.example.edu`, ...data },
    });

  it('looks up and creates a batch of new students with one call per step, emails one by one', async () => {
    const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
    const events = await burst(
      service,
      Array.from({ length: 10 }, (_, i) => student(i)),
    );
    expect(events.map((e) => e.status)).toEqual(Array(10).fill('completed'));
    expect(liveUsers(moodle)).toHaveLength(10);
    expect(calls(moodle, 'core_user_create_users')).toHaveLength(1);
    // idnumber and username for the whole batch; email with core_user_get_users, which ignores case, one each.
    expect(calls(moodle, 'core_user_get_users_by_field')).toHaveLength(2);
    expect(calls(moodle, 'core_user_get_users')).toHaveLength(10);
    for (const event of events) {
      const user = moodle.users.get(JSON.parse(event.result ?? '{}').moodle.user_id);
      expect(user?.idnumber).toBe(JSON.parse(event.payload).data.Student_ID_Number);
    }
  });

  it('falls back to one student at a time when Moodle refuses the batch, so one bad student fails alone', async () => {
    const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
    // Two new students of one batch with the same email: Moodle refuses the whole create call, then the later
    // one alone.
    const events = await burst(service, [
      student(1),
      student(2),
      student(3),
      student(4, { Academic_Email: 'BT2@student.example.edu' }),
    ]);
    expect(events.map((e) => e.status)).toEqual(['completed', 'completed', 'completed', 'failed']);
    expect(events[3]?.error_message).toContain('invalidparameter');
    expect(events[3]?.error_message).toContain('core_user_create_users');
    expect(calls(moodle, 'core_user_create_users')).toHaveLength(1 + 4);
    expect(liveUsers(moodle)).toHaveLength(3);
  });

  it('updates a batch in one call and fails only the student Moodle warns about', async () => {
    const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
    await burst(
      service,
      Array.from({ length: 5 }, (_, i) => student(i)),
    );
    moodle.addUser({
      username: 'someone',
      email: 'taken@student.example.edu',
      firstname: 'S',
      lastname: 'O',
    });
    const updatesBefore = calls(moodle, 'core_user_update_users').length;
    const events = await burst(
      service,
      Array.from({ length: 5 }, (_, i) =>
        student(i, {
          City: `Town ${i}`,
          ...(i === 2 ? { Academic_Email: 'taken@student.example.edu' } : {}),
        }),
      ).map((body) => ({ ...body, operation: 'update' })),
    );
    expect(events.map((e) => e.status)).toEqual([
      'completed',
      'completed',
      'failed',
      'completed',
      'completed',
    ]);
    expect(events[2]?.error_message).toContain('useremailduplicate');
    expect(calls(moodle, 'core_user_update_users').length - updatesBefore).toBe(1);
    expect(liveUsers(moodle).filter((u) => u.city.startsWith('Town'))).toHaveLength(4);
  });

  it('retries the whole batch when Moodle is unreachable, and completes it once Moodle is back', async () => {
    const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
    moodle.failNext(1, 'html503');
    const events = await burst(
      service,
      Array.from({ length: 4 }, (_, i) => student(i)),
    );
    expect(events.map((e) => e.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    await fastForward(service);
    const after = await Promise.all(events.map((e) => eventRow(service.database.db, e.event_id)));
    expect(after.map((e) => e.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(liveUsers(moodle)).toHaveLength(4);
  });
});

describe('Moodle account ownership', () => {
  /** Every Moodle account as JSON, to prove that nothing changed. */
  const snapshot = (m: FakeMoodle) => JSON.stringify([...m.users.values()]);
  const result = (event: { result: string | null }) => JSON.parse(event.result ?? '{}');
  const staff = (m: FakeMoodle, name: string, extra: Record<string, unknown> = {}) =>
    m.addUser({
      username: name,
      email: `${name}@school.example`,
      firstname: 'Staff',
      lastname: name,
      ...extra,
    });
  const student = (i: number, data: Record<string, unknown> = {}) =>
    customStudentBody({
      recordId: String(6300000 + i),
      data: { Student_ID_Number: `OW-${i}`, Academic_Email: `ow${i}@student.example.edu`, ...data },
    });

  it.each(['one by one', 'in a batch'])(
    'never matches the site admin by email, in any letter case (%s), and changes nothing',
    async (mode) => {
      const { moodle, service } = await setup({ WORKER_ENABLED: mode === 'in a batch' ? 'false' : 'true' });
      const before = snapshot(moodle);
      const bodies = [student(1, { Academic_Email: 'Admin@Example.COM' }), student(2)];
      const events =
        mode === 'in a batch'
          ? await burst(service, bodies)
          : [await deliver(service, bodies[0] as Record<string, unknown>)];
      const admin = events[0];
      expect(admin?.status).toBe('failed');
      expect(admin?.error_code).toBe('moodle.account_conflict');
      expect(admin?.error_message).toContain('Moodle user 2 has the Academic_Email of Zoho record 6300001');
      // The admin is also the token's user here, as in the recorded transcripts.
      expect(admin?.error_message).toContain("mzi's own web-service token, so mzi never changes it");
      expect(admin?.error_message).toContain('retry this event');
      expect(calls(moodle, 'core_user_update_users')).toHaveLength(0);
      if (mode === 'in a batch') {
        expect(events[1]?.status).toBe('completed');
        expect(liveUsers(moodle)).toHaveLength(1);
      } else expect(snapshot(moodle)).toBe(before);
      expect(moodle.users.get(2)).toMatchObject({ username: 'admin', firstname: 'Admin', idnumber: '' });
      expect(await studentRow(service.database.db, '6300001')).toBeUndefined();
    },
  );

  it("refuses the token's own user, admin and guest by Moodle_User_ID, and MOODLE_PROTECTED_USERS by id, username or email in any case", async () => {
    moodle = await startFakeMoodle({ tokenUser: { username: 'mziws', email: 'ws@school.example' } });
    const byId = staff(moodle, 'teacher1');
    staff(moodle, 'teacher2@student.example.edu', { email: 'teacher2@school.example' });
    staff(moodle, 'teacher3');
    service = await startTestService(
      {
        MOODLE_URL: moodle.url,
        MOODLE_TOKEN: moodle.token,
        WORKER_ENABLED: 'false',
        MOODLE_PROTECTED_USERS: `${byId.id}, TEACHER2@Student.Example.EDU ,Teacher3@School.Example`,
      },
      { threads: false },
    );
    const before = snapshot(moodle);
    const events = await burst(service, [
      student(1, { Academic_Email: 'WS@school.example' }),
      student(2, { Moodle_User_ID: String(moodle.tokenUserId) }),
      student(3, { Moodle_User_ID: '2' }),
      student(4, { Moodle_User_ID: '1' }),
      student(5, { Academic_Email: 'teacher1@school.example' }),
      student(6, { Academic_Email: 'teacher2@student.example.edu' }),
      student(7, { Academic_Email: 'teacher3@school.example' }),
    ]);
    expect(events.map((e) => e.error_code)).toEqual(Array(7).fill('moodle.account_conflict'));
    expect(events[0]?.error_message).toContain(`Moodle user ${moodle.tokenUserId} has the Academic_Email`);
    expect(events[0]?.error_message).toContain("mzi's own web-service token");
    expect(events[1]?.error_message).toContain(`Moodle user ${moodle.tokenUserId} is the Moodle_User_ID of`);
    expect(events[2]?.error_message).toContain('built-in "admin" account');
    expect(events[3]?.error_message).toContain('built-in "guest" account');
    for (const event of events.slice(4)) expect(event.error_message).toContain('MOODLE_PROTECTED_USERS');
    expect(events[5]?.error_message).toContain('has the username mzi would give');
    expect(snapshot(moodle)).toBe(before);
  });

  it('refuses the admin and guest usernames when usernames come from Student_ID_Number', async () => {
    const { moodle, service } = await setup({ MOODLE_USERNAME_FROM: 'student_id', WORKER_ENABLED: 'false' });
    const before = snapshot(moodle);
    const events = await burst(service, [
      student(1, { Student_ID_Number: 'ADMIN' }),
      student(2, { Student_ID_Number: 'Guest' }),
    ]);
    expect(events.map((e) => e.error_code)).toEqual(['moodle.account_conflict', 'moodle.account_conflict']);
    expect(events[1]?.error_message).toContain('Moodle user 1 has the username mzi would give');
    expect(snapshot(moodle)).toBe(before);
  });

  it('adopts an unlinked account found by email: idnumber and profile, never username or auth; then suspends it on delete', async () => {
    const { moodle, service } = await setup({ MOODLE_AUTH: 'oauth2' });
    const existing = staff(moodle, 'lina.h', { email: 'OW1@Student.Example.edu', auth: 'manual' });
    const recordId = '6300001';
    const first = await deliver(service, student(1));
    expect(result(first).moodle).toMatchObject({
      action: 'updated',
      user_id: existing.id,
      matched_by: 'email',
      ownership: 'adopted',
    });
    expect(moodle.users.get(existing.id)).toMatchObject({
      username: 'lina.h',
      auth: 'manual',
      idnumber: 'OW-1',
      firstname: 'Lina',
      lastname: 'Haddad',
      // Emails compare without case, as Moodle does: the account keeps its own spelling.
      email: 'OW1@Student.Example.edu',
    });
    expect((await studentRow(service.database.db, recordId))?.moodle_ownership).toBe('adopted');
    // A new email changes the email only: the username of an adopted account stays.
    const edited = await deliver(service, student(1, { Academic_Email: 'lina.new@student.example.edu' }));
    expect(result(edited).moodle).toMatchObject({ action: 'updated', changed: ['email'] });
    expect(moodle.users.get(existing.id)).toMatchObject({ username: 'lina.h', auth: 'manual' });
    const deleted = await deliver(service, { ...student(1), operation: 'delete' });
    expect(result(deleted).moodle).toMatchObject({ action: 'suspended', ownership: 'adopted' });
    expect(moodle.users.get(existing.id)?.suspended).toBe(true);
  });

  it('renames and switches auth only of an account mzi created', async () => {
    const { moodle, service } = await setup();
    const created = await deliver(service, student(1));
    const id = result(created).moodle.user_id;
    expect(result(created).moodle.ownership).toBe('created');
    expect((await studentRow(service.database.db, '6300001'))?.moodle_ownership).toBe('created');
    const edited = await deliver(service, student(1, { Academic_Email: 'renamed@student.example.edu' }));
    expect(result(edited).moodle).toMatchObject({ action: 'updated', changed: ['username', 'email'] });
    expect(moodle.users.get(id)?.username).toBe('renamed@student.example.edu');
  });

  it('refuses an account whose idnumber is another value, even one differing only in case', async () => {
    const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
    staff(moodle, 'teacher', { email: 'ow1@student.example.edu', idnumber: 'EMP-7' });
    staff(moodle, 'other', { idnumber: 'ow-2' });
    const before = snapshot(moodle);
    const events = await burst(service, [student(1), student(2)]);
    expect(events.map((e) => e.error_code)).toEqual(['moodle.account_conflict', 'moodle.account_conflict']);
    expect(events[0]?.error_message).toContain('its idnumber is set to another value');
    expect(events[1]?.error_message).toContain(
      'has the Student_ID_Number (as idnumber) of Zoho record 6300002',
    );
    expect(snapshot(moodle)).toBe(before);
  });

  it('with MOODLE_ADOPT_EXISTING=never refuses an unlinked account but uses one that carries the Student_ID_Number', async () => {
    const { moodle, service } = await setup({ MOODLE_ADOPT_EXISTING: 'never', WORKER_ENABLED: 'false' });
    const unlinked = staff(moodle, 'unlinked', { email: 'ow1@student.example.edu' });
    const linked = staff(moodle, 'linked', { idnumber: 'OW-2' });
    const events = await burst(service, [student(1), student(2, { Moodle_User_ID: String(unlinked.id) })]);
    expect(events[0]?.error_code).toBe('moodle.account_conflict');
    expect(events[0]?.error_message).toContain('MOODLE_ADOPT_EXISTING=never');
    expect(events[1]?.error_code).toBe('moodle.account_conflict');
    expect(moodle.users.get(unlinked.id)?.idnumber).toBe('');
    const third = await burst(service, [student(2)]);
    expect(result(third[0] as { result: string | null }).moodle).toMatchObject({
      user_id: linked.id,
      matched_by: 'idnumber',
      ownership: 'linked',
    });
    expect(moodle.users.get(linked.id)).toMatchObject({
      username: 'linked',
      email: 'ow2@student.example.edu',
    });
  });

  it.each(['suspend', 'delete'])(
    'MOODLE_ON_DELETE=%s leaves alone an account the delete names but mzi never created or adopted',
    async (onDelete) => {
      const { moodle, service } = await setup({ MOODLE_ON_DELETE: onDelete });
      const teacher = staff(moodle, 'teacher', { idnumber: 'OW-1' });
      const before = snapshot(moodle);
      const event = await deliver(service, {
        ...student(1, { Academic_Email: 'teacher@school.example', Moodle_User_ID: String(teacher.id) }),
        operation: 'delete',
      });
      expect(event.status).toBe('completed');
      expect(result(event).moodle).toEqual({ action: 'not_linked' });
      expect(snapshot(moodle)).toBe(before);
    },
  );

  it('does not give one account to two students without Student_ID_Number, one by one or in one batch', async () => {
    const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
    const [first] = await burst(service, [student(1, { Student_ID_Number: '' })]);
    const id = result(first as { result: string | null }).moodle.user_id;
    const before = JSON.stringify(moodle.users.get(id));
    const events = await burst(service, [
      student(2, { Student_ID_Number: '', Academic_Email: 'OW1@student.example.edu', Name: 'Other Person' }),
    ]);
    expect(events[0]?.error_code).toBe('moodle.account_conflict');
    expect(events[0]?.error_message).toContain(
      `Moodle user ${id}, found for Zoho record 6300002, is already the account of Zoho record 6300001`,
    );
    expect(JSON.stringify(moodle.users.get(id))).toBe(before);
    const batch = await burst(service, [
      student(3, { Student_ID_Number: '', Academic_Email: 'same@student.example.edu' }),
      student(4, { Student_ID_Number: '', Academic_Email: 'same@student.example.edu' }),
    ]);
    expect(batch.map((e) => e.status)).toEqual(['completed', 'failed']);
    const third = await burst(service, [
      student(5, { Student_ID_Number: '', Academic_Email: 'Same@Student.example.edu', Name: 'Third One' }),
    ]);
    expect(third[0]?.error_code).toBe('moodle.account_conflict');
  });

  it('does not let a student later edited to the admin email change the admin', async () => {
    const { moodle, service } = await setup();
    await deliver(service, student(1));
    const before = JSON.stringify(moodle.users.get(2));
    const event = await deliver(service, student(1, { Academic_Email: 'ADMIN@example.com' }));
    expect(event.status).toBe('failed');
    expect(event.error_message).toContain('useremailduplicate');
    expect(JSON.stringify(moodle.users.get(2))).toBe(before);
  });

  it('checks again a link recorded before ownership was: keeps a student account, refuses the admin', async () => {
    const { moodle, service } = await setup();
    const created = await deliver(service, student(1));
    const id = result(created).moodle.user_id;
    await deliver(service, student(2));
    // As left by earlier versions: no ownership, and for record 2 the admin taken over by email.
    await service.database.db.updateTable('students').set({ moodle_ownership: null }).execute();
    await service.database.db
      .updateTable('students')
      .set({ moodle_user_id: '2' })
      .where('zoho_record_id', '=', '6300002')
      .execute();
    const before = JSON.stringify(moodle.users.get(2));

    const kept = await deliver(service, student(1, { Academic_Email: 'kept@student.example.edu' }));
    expect(result(kept).moodle).toMatchObject({ user_id: id, ownership: 'linked', changed: ['email'] });
    expect(moodle.users.get(id)?.username).toBe('ow1@student.example.edu');
    expect((await studentRow(service.database.db, '6300001'))?.moodle_ownership).toBe('linked');

    const update = await deliver(service, student(2, { City: 'Tyre' }));
    expect(update.error_code).toBe('moodle.account_conflict');
    const removal = await deliver(service, { ...student(2), operation: 'delete' });
    expect(removal.error_code).toBe('moodle.account_conflict');
    expect(removal.error_message).toContain(
      'Moodle user 2 is the account mzi recorded for Zoho record 6300002',
    );
    expect(JSON.stringify(moodle.users.get(2))).toBe(before);
  });

  it.each(['one by one', 'in a batch'])(
    'fails a student whose new username another account holds (%s), naming it',
    async (mode) => {
      const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
      await burst(service, [student(1), student(2)]);
      const holder = staff(moodle, 'taken@student.example.edu', { email: 'holder@school.example' });
      const before = JSON.stringify(holder);
      const bodies = [
        student(1, { Academic_Email: 'taken@student.example.edu' }),
        student(2, { City: 'Tyre' }),
      ];
      const events = await burst(service, mode === 'in a batch' ? bodies : bodies.slice(0, 1));
      expect(events[0]?.error_code).toBe('moodle.username_taken');
      expect(events[0]?.error_message).toContain(
        `Moodle username "taken@student.example.edu" for Zoho record 6300001 is already used by Moodle user ${holder.id}`,
      );
      if (mode === 'in a batch') expect(events[1]?.status).toBe('completed');
      expect(JSON.stringify(moodle.users.get(holder.id))).toBe(before);
    },
  );

  it.each(['one by one', 'in a batch'])(
    'fails a student whose email two Moodle accounts share, in any case (%s), touching neither',
    async (mode) => {
      const { moodle, service } = await setup({ WORKER_ENABLED: 'false' });
      staff(moodle, 'dup1', { email: 'ow1@student.example.edu' });
      staff(moodle, 'dup2', { email: 'OW1@Student.Example.edu' });
      const before = snapshot(moodle);
      const events = await burst(service, mode === 'in a batch' ? [student(1), student(2)] : [student(1)]);
      expect(events[0]?.error_code).toBe('moodle.ambiguous_user');
      expect(events[0]?.error_message).toContain('2 Moodle users have email "ow1@student.example.edu"');
      if (mode === 'in a batch') {
        expect(events[1]?.status).toBe('completed');
        expect(liveUsers(moodle)).toHaveLength(3);
      } else expect(snapshot(moodle)).toBe(before);
    },
  );

  it('restores a deleted student: the suspended account is unsuspended', async () => {
    const { moodle, service } = await setup();
    const created = await deliver(service, student(1));
    const id = result(created).moodle.user_id;
    await deliver(service, { ...student(1), operation: 'delete' });
    expect(moodle.users.get(id)?.suspended).toBe(true);
    const restored = await deliver(service, student(1, { City: 'Tyre' }));
    expect(result(restored)).toMatchObject({
      local: 'restored',
      moodle: { action: 'updated', user_id: id, changed: ['city', 'suspended'] },
    });
    expect(moodle.users.get(id)).toMatchObject({ suspended: false, city: 'Tyre' });
    expect((await studentRow(service.database.db, '6300001'))?.deleted_at).toBeNull();
  });

  it('says already_suspended and sends no update when deleting a student whose account is suspended', async () => {
    const { moodle, service } = await setup();
    const created = await deliver(service, student(1, { Student_Status: 'Suspended' }));
    const id = result(created).moodle.user_id;
    expect(moodle.users.get(id)?.suspended).toBe(true);
    const updatesBefore = calls(moodle, 'core_user_update_users').length;
    const deleted = await deliver(service, { ...student(1), operation: 'delete' });
    expect(result(deleted).moodle).toMatchObject({ action: 'already_suspended', user_id: id });
    expect(calls(moodle, 'core_user_update_users')).toHaveLength(updatesBefore);
  });

  it('skips a retried event that a later completed event of the same record superseded', async () => {
    const { moodle, service } = await setup({ MAX_ATTEMPTS: '1' });
    moodle.failNext(1, 'network');
    const old = await deliver(service, student(1, { City: 'Sidon' }));
    expect(old.status).toBe('failed');
    const later = await deliver(service, student(1, { City: 'Tyre' }));
    expect(later.status).toBe('completed');
    const id = result(later).moodle.user_id;
    const retry = await service.app.inject({
      method: 'POST',
      url: `/api/v1/events/${old.event_id}/retry`,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(retry.statusCode).toBe(200);
    await service.worker.drain();
    const retried = await eventRow(service.database.db, old.event_id);
    expect(retried.status).toBe('completed');
    expect(result(retried)).toMatchObject({ local: 'skipped' });
    expect(result(retried).reason).toContain(`superseded by the later event ${later.event_id}`);
    expect((await studentRow(service.database.db, '6300001'))?.city).toBe('Tyre');
    expect(moodle.users.get(id)?.city).toBe('Tyre');
  });
});

describe('Moodle in health', () => {
  it('reports ok when Moodle answers, unreachable when it does not, disabled without MOODLE_URL', async () => {
    const fake = await setup();
    let health = (await fake.service.app.inject({ method: 'GET', url: '/api/v1/events/health' })).json();
    expect(health.moodle).toBe('ok');
    fake.moodle.failNext(1, 'network');
    await fake.service.moodleHealth.refresh();
    health = (await fake.service.app.inject({ method: 'GET', url: '/api/v1/events/health' })).json();
    expect(health.moodle).toBe('unreachable');
    await fake.service.cleanup();
    service = await startTestService({}, { threads: false });
    health = (await service.app.inject({ method: 'GET', url: '/api/v1/events/health' })).json();
    expect(health.moodle).toBe('disabled');
    const event = await deliver(service, customStudentBody());
    expect(JSON.parse(event.result ?? '{}').moodle).toMatchObject({ action: 'skipped' });
    expect(JSON.parse(event.result ?? '{}').moodle.reason).toContain('not configured');
  });
});
