import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { readTranscript } from '../helpers/read-transcript.js';
import { buildTxGrades, GRADED_AT } from '../helpers/tx-grades-course.js';

/**
 * The fake's assignments and grades against section F of transcripts-courses-enrolments-grades.md: course
 * tx-grades is rebuilt as section A describes, and the recorded requests must get the recorded bytes.
 */

const TRANSCRIPT = readTranscript(
  fileURLToPath(new URL('../fixtures/moodle/transcripts-courses-enrolments-grades.md', import.meta.url)),
);

const ADMIN_TOKEN = 'admin-token';
/** How the recording marks a body it cut short, with the full body's length. */
const TRUNCATED = / … \(truncated, (\d+) bytes\)$/;
async function post(fake: FakeMoodle, body: string): Promise<{ contentType: string | null; text: string }> {
  const response = await fetch(`${fake.url}/webservice/rest/server.php?moodlewsrestformat=json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  expect(response.status).toBe(200);
  return { contentType: response.headers.get('content-type'), text: await response.text() };
}

/** The fake's answer to the recorded request of exchange `number`. */
async function replay(fake: FakeMoodle, number: number): Promise<{ text: string; recorded: string }> {
  const exchange = TRANSCRIPT.get(number);
  if (!exchange) throw new Error(`exchange ${number} is not in the transcript`);
  const body = (exchange.requestBody ?? '').replace('wstoken=WSTOKEN&', `wstoken=${ADMIN_TOKEN}&`);
  const { contentType, text } = await post(fake, body);
  expect(contentType).toBe(exchange.contentType);
  return { text, recorded: exchange.responseText };
}

async function call(fake: FakeMoodle, wsfunction: string, params: Record<string, string>): Promise<unknown> {
  const form = new URLSearchParams({ wstoken: ADMIN_TOKEN, wsfunction, ...params });
  return JSON.parse((await post(fake, form.toString())).text);
}

describe('the fake Moodle answers section F of the courses transcript', () => {
  let fake: FakeMoodle;

  beforeAll(async () => {
    fake = await startFakeMoodle({ token: ADMIN_TOKEN, now: () => GRADED_AT });
    buildTxGrades(fake);
  });

  afterAll(async () => {
    await fake.close();
  });

  it.each([191, 192, 193, 194, 195, 199, 200, 203])('answers #%i byte for byte', async (number) => {
    const { text, recorded } = await replay(fake, number);
    expect(text).toBe(recorded);
  });

  it('answers #198 (every graded user) with the recorded prefix and length', async () => {
    const { text, recorded } = await replay(fake, 198);
    const cut = TRUNCATED.exec(recorded);
    if (!cut) throw new Error('#198 is expected to be truncated in the recording');
    expect(text.startsWith(recorded.slice(0, cut.index))).toBe(true);
    expect(Buffer.byteLength(text)).toBe(Number(cut[1]));
  });
});

describe('the fake Moodle grades', () => {
  let fake: FakeMoodle;
  let now: number;

  beforeEach(async () => {
    now = GRADED_AT;
    fake = await startFakeMoodle({ token: ADMIN_TOKEN, now: () => now });
    buildTxGrades(fake);
  });

  afterEach(async () => {
    await fake.close();
  });

  it('returns from get_grades only the rows changed at or after since', async () => {
    now = GRADED_AT + 600;
    fake.grade({ assignment: 2, userid: 806, grade: 55 });
    const answer = await call(fake, 'mod_assign_get_grades', {
      'assignmentids[0]': '1',
      'assignmentids[1]': '2',
      since: String(GRADED_AT + 1),
    });
    expect(answer).toEqual({
      assignments: [
        {
          assignmentid: 2,
          grades: [
            {
              id: 4,
              userid: 806,
              attemptnumber: 0,
              timecreated: GRADED_AT,
              timemodified: GRADED_AT + 600,
              grader: 2,
              grade: '55.00000',
            },
          ],
        },
      ],
      warnings: [{ item: 'assignment', itemid: 1, warningcode: '3', message: 'No grades found' }],
    });
  });

  it('stores a grade row without a grade as -1 and shows it as no grade in the report', async () => {
    now = GRADED_AT + 60;
    fake.grade({ assignment: 2, userid: 806, grade: null, feedback: '<p>Not marked yet</p>' });
    const grades = (await call(fake, 'mod_assign_get_grades', { 'assignmentids[0]': '2' })) as {
      assignments: { grades: { userid: number; grade: string }[] }[];
    };
    expect(grades.assignments[0]?.grades.map(({ userid, grade }) => ({ userid, grade }))).toEqual([
      { userid: 805, grade: '78.50000' },
      { userid: 806, grade: '-1.00000' },
    ]);
    const report = (await call(fake, 'gradereport_user_get_grade_items', {
      courseid: '10',
      userid: '806',
    })) as { usergrades: { gradeitems: Record<string, unknown>[] }[] };
    const [essay, project, total] = report.usergrades[0]?.gradeitems ?? [];
    expect(project).toMatchObject({
      graderaw: null,
      gradeformatted: '-',
      percentageformatted: '-',
      gradedategraded: GRADED_AT + 60,
      feedback: '<p>Not marked yet</p>',
      feedbackformat: 1,
    });
    expect(project).not.toHaveProperty('weightraw');
    // The essay alone now makes the natural total: Refer (1) of its maximum 4.
    expect(essay).toMatchObject({ graderaw: 1, weightraw: 1, weightformatted: '100.00 %' });
    expect(total).toMatchObject({
      graderaw: 1,
      grademax: 4,
      gradeformatted: '1.00',
      rangeformatted: '0&ndash;4',
    });
  });

  it('stops returning the grade of an attempt that was reopened, until the new attempt is graded', async () => {
    fake.addAttempt(1, 805);
    const reopened = (await call(fake, 'mod_assign_get_grades', { 'assignmentids[0]': '1' })) as {
      assignments: { grades: { id: number; userid: number }[] }[];
    };
    expect(reopened.assignments[0]?.grades.map(({ userid }) => userid)).toEqual([806]);

    now = GRADED_AT + 120;
    fake.grade({ assignment: 1, userid: 805, grade: 4, feedback: '<p>Distinction</p>' });
    const regraded = await call(fake, 'mod_assign_get_grades', { 'assignmentids[0]': '1' });
    expect(regraded).toEqual({
      assignments: [
        {
          assignmentid: 1,
          grades: [
            expect.objectContaining({ id: 2, userid: 806, attemptnumber: 0 }),
            {
              id: 5,
              userid: 805,
              attemptnumber: 1,
              timecreated: GRADED_AT + 120,
              timemodified: GRADED_AT + 120,
              grader: 2,
              grade: '4.00000',
            },
          ],
        },
      ],
      warnings: [],
    });
    // The first attempt's row is kept in assign_grades.
    expect(fake.assignGrades.filter((row) => row.assignment === 1 && row.userid === 805)).toHaveLength(2);
  });

  it('forgets a deleted assignment in get_assignments, get_grades and the grade report', async () => {
    fake.deleteAssignment(1);
    const assignments = (await call(fake, 'mod_assign_get_assignments', {
      'courseids[0]': '10',
      includenotenrolledcourses: '1',
    })) as { courses: { assignments: { id: number }[] }[] };
    expect(assignments.courses[0]?.assignments.map(({ id }) => id)).toEqual([2]);
    expect(await call(fake, 'mod_assign_get_grades', { 'assignmentids[0]': '1' })).toEqual({
      assignments: [],
      warnings: [{ item: 'assignment', itemid: 1, warningcode: '3', message: 'No grades found' }],
    });
    const report = (await call(fake, 'gradereport_user_get_grade_items', {
      courseid: '10',
      userid: '805',
    })) as { usergrades: { gradeitems: Record<string, unknown>[] }[] };
    expect(report.usergrades[0]?.gradeitems).toEqual([
      expect.objectContaining({ id: 5, graderaw: 78.5, weightraw: 1 }),
      expect.objectContaining({ id: 3, graderaw: 78.5, grademax: 100, percentageformatted: '78.50 %' }),
    ]);
  });

  it('lists the assignments of a course the caller is enrolled in without includenotenrolledcourses', async () => {
    fake.addEnrolment(10, 2, { roles: [3] });
    const answer = (await call(fake, 'mod_assign_get_assignments', { 'courseids[0]': '10' })) as {
      courses: { id: number; assignments: { id: number; grade: number }[] }[];
      warnings: unknown[];
    };
    expect(answer.warnings).toEqual([]);
    expect(answer.courses[0]?.assignments.map(({ id, grade }) => ({ id, grade }))).toEqual([
      { id: 1, grade: -3 },
      { id: 2, grade: 100 },
    ]);
  });

  it('lists only actively enrolled students for userid=0', async () => {
    fake.addEnrolment(10, 809, { status: 1 });
    const report = (await call(fake, 'gradereport_user_get_grade_items', { courseid: '10' })) as {
      usergrades: { userid: number }[];
    };
    expect(report.usergrades.map(({ userid }) => userid)).toEqual([805, 806]);
  });

  it('answers an unknown course in the grade report as a missing record', async () => {
    expect(await call(fake, 'gradereport_user_get_grade_items', { courseid: '999999' })).toEqual({
      exception: 'dml_missing_record_exception',
      errorcode: 'invalidrecordunknown',
      message: "Can't find data record in database.",
    });
  });
});
