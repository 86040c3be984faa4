import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FakeMoodle,
  type FakeMoodleOptions,
  RECORDED_SERVICE_FUNCTIONS,
  startFakeMoodle,
} from '../helpers/fake-moodle.js';
import { readTranscript } from '../helpers/read-transcript.js';

/**
 * The fake Moodle's course and enrolment options and accessors, where the transcript replay
 * (fake-moodle-courses.test.ts) does not reach: other restricted roles, the clock, the recorded service of
 * transcript #1, setup through accessors.
 */

let fake: FakeMoodle | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeMoodleOptions = {}): Promise<FakeMoodle> {
  fake = await startFakeMoodle(options);
  return fake;
}

async function call(
  site: FakeMoodle,
  wsfunction: string,
  params: Record<string, string | number> = {},
  token = site.token,
): Promise<unknown> {
  const body = new URLSearchParams({ wstoken: token, wsfunction });
  for (const [key, item] of Object.entries(params)) body.set(key, String(item));
  const response = await fetch(`${site.url}/webservice/rest/server.php?moodlewsrestformat=json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  return response.json();
}

const enrol = (courseid: number, userid: number, roleid: number) => ({
  'enrolments[0][courseid]': courseid,
  'enrolments[0][userid]': userid,
  'enrolments[0][roleid]': roleid,
});

describe('the fake Moodle: restricted web-service users', () => {
  it('gives the start token to txwsuser with role txwsrole when restricted is true', async () => {
    const site = await start({ restricted: true });
    expect(await call(site, 'core_webservice_get_site_info')).toMatchObject({
      username: 'txwsuser',
      userid: site.tokenUserId,
      userissiteadmin: false,
      userquota: 104857600,
    });
    expect(await call(site, 'core_course_create_categories', { 'categories[0][name]': 'X' })).toEqual({
      exception: 'core\\exception\\required_capability_exception',
      errorcode: 'nopermissions',
      message: 'Sorry, but you do not currently have permissions to do that (Manage course categories).',
    });
  });

  it('lets a test choose the roles a restricted user may assign', async () => {
    const site = await start({ restricted: { assignableRoles: [3, 5] } });
    const course = site.addCourse();
    const user = site.addUser();
    expect(await call(site, 'enrol_manual_enrol_users', enrol(course.id, user.id, 3))).toBeNull();
    expect(await call(site, 'enrol_manual_enrol_users', enrol(course.id, user.id, 4))).toMatchObject({
      errorcode: 'wsusercannotassign',
    });
    expect(site.enrolment(course.id, user.id)?.roles).toEqual(new Set([3]));
  });

  it('names the missing capability of a restricted user who may not list participants', async () => {
    const site = await start({ restricted: { capabilities: ['webservice/rest:use', 'moodle/course:view'] } });
    const course = site.addCourse();
    expect(await call(site, 'core_enrol_get_enrolled_users', { courseid: course.id })).toEqual({
      exception: 'core\\exception\\required_capability_exception',
      errorcode: 'nopermissions',
      message: 'Sorry, but you do not currently have permissions to do that (View participants).',
    });
  });

  it('serves an admin token and a restricted token on the same site', async () => {
    const site = await start();
    const restricted = site.addToken({ restricted: true });
    const hidden = site.addCourse({ visible: 0 });
    const byId = { field: 'id', value: hidden.id };
    expect(await call(site, 'core_course_get_courses_by_field', byId)).toMatchObject({
      courses: [{ id: hidden.id }],
    });
    expect(await call(site, 'core_course_get_courses_by_field', byId, restricted.token)).toEqual({
      courses: [],
      warnings: [],
    });
  });
});

describe('the fake Moodle: course and enrolment state', () => {
  it('makes a future enrolment active once the clock passes its start', async () => {
    let now = 1_800_000_000;
    const site = await start({ now: () => now });
    const course = site.addCourse();
    const user = site.addUser();
    site.addEnrolment(course.id, user.id, { timestart: now + 60 });
    const active = { courseid: course.id, 'options[0][name]': 'onlyactive', 'options[0][value]': 1 };
    expect(await call(site, 'core_enrol_get_enrolled_users', active)).toEqual([]);
    now += 61;
    expect(await call(site, 'core_enrol_get_enrolled_users', active)).toMatchObject([{ id: user.id }]);
  });

  it('drops the enrolments of a deleted manual instance and refuses new ones', async () => {
    const site = await start();
    const course = site.addCourse();
    const user = site.addUser();
    site.addEnrolment(course.id, user.id);
    site.setManualInstance(course.id, 'none');
    expect(site.enrolment(course.id, user.id)).toBeUndefined();
    expect(await call(site, 'enrol_manual_enrol_users', enrol(course.id, user.id, 5))).toMatchObject({
      errorcode: 'wsnoinstance',
    });
  });

  it('keeps the maps tests hold when a failed batch is rolled back', async () => {
    const site = await start();
    const course = site.addCourse();
    const user = site.addUser();
    site.addEnrolment(course.id, site.addUser().id);
    const held = site.enrolments.get(course.id);
    // The second item's role does not exist: the whole call fails and the first is rolled back (#156).
    const batch = {
      ...enrol(course.id, user.id, 5),
      'enrolments[1][courseid]': course.id,
      'enrolments[1][userid]': user.id,
      'enrolments[1][roleid]': 999,
    };
    expect(await call(site, 'enrol_manual_enrol_users', batch)).toMatchObject({
      errorcode: 'wsusercannotassign',
    });
    expect(site.enrolments.get(course.id)).toBe(held);
    expect(held?.size).toBe(1);
    expect(site.enrolment(course.id, user.id)).toBeUndefined();
  });

  it('offers the 17 functions of transcript #1 when asked, without the course update functions', async () => {
    const site = await start({ allowedFunctions: RECORDED_SERVICE_FUNCTIONS });
    expect(await call(site, 'core_course_update_courses')).toMatchObject({ errorcode: 'accessexception' });
    expect(await call(site, 'core_course_get_categories')).toMatchObject([{ id: 1, name: 'Category 1' }]);
  });

  it('deletes a user together with their enrolments, as delete_user() does', async () => {
    const site = await start();
    const course = site.addCourse();
    const user = site.addUser();
    site.addEnrolment(course.id, user.id);
    expect(await call(site, 'core_user_delete_users', { 'userids[0]': user.id })).toBeNull();
    expect(site.enrolment(course.id, user.id)).toBeUndefined();
  });
});

describe('the fake Moodle: core_course_get_courses', () => {
  it('lists a new course as #57 of transcripts-debug-off.md does', async () => {
    const recorded = readTranscript(
      fileURLToPath(new URL('../fixtures/moodle/transcripts-debug-off.md', import.meta.url)),
    );
    const [create, list] = [recorded.get(56), recorded.get(57)];
    if (!create || !list) throw new Error('exchanges 56 and 57 are missing');
    // That site's clock when #56 created course 7 (its timecreated in #57).
    const site = await start({ token: 'WSTOKEN', now: () => 1795898876 });
    site.addCourse({ id: 6 });
    const post = async (body: string | undefined): Promise<unknown> => {
      const response = await fetch(`${site.url}/webservice/rest/server.php?moodlewsrestformat=json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body ?? '',
      });
      return response.json();
    };
    expect(await post(create.requestBody)).toEqual(create.response);
    // Moodle renumbers course sortorders on every change; the fake does not.
    const [course] = (await post(list.requestBody)) as Record<string, unknown>[];
    expect([{ ...course, categorysortorder: 10001 }]).toEqual(list.response);
  });
});
