import { afterEach, describe, expect, it } from 'vitest';
import { createMoodleClient, type MoodleClient } from '../../src/moodle/create-moodle-client.js';
import { MoodleError } from '../../src/moodle/moodle-errors.js';
import { type FakeMoodle, startFakeMoodle } from '../helpers/fake-moodle.js';
import { buildTxGrades, GRADED_AT } from '../helpers/tx-grades-course.js';

const TOKEN = 'grade-token';
const fakes: FakeMoodle[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** A fake holding the transcript's tx-grades course (section A), and a client on it. */
async function setup(): Promise<{ fake: FakeMoodle; client: MoodleClient }> {
  const fake = await startFakeMoodle({ token: TOKEN, now: () => GRADED_AT });
  fakes.push(fake);
  buildTxGrades(fake);
  return { fake, client: createMoodleClient({ url: fake.url, token: TOKEN }) };
}

describe('Moodle client: assignments and grades', () => {
  it('lists the assignments of a course the token user is not enrolled in (includenotenrolledcourses=1)', async () => {
    const { fake, client } = await setup();
    const result = await client.getAssignments([10, 999999]);

    expect(fake.requests.at(-1)?.params).toEqual({
      courseids: { '0': '10', '1': '999999' },
      includenotenrolledcourses: '1',
    });
    expect(result.courses).toEqual([
      {
        id: 10,
        shortname: 'tx-grades',
        fullname: 'tx Grades course',
        assignments: [
          { id: 1, cmid: 10, course: 10, name: 'tx Essay (scale)', grade: -3, timemodified: GRADED_AT },
          { id: 2, cmid: 11, course: 10, name: 'tx Project (points)', grade: 100, timemodified: GRADED_AT },
        ],
      },
    ]);
    expect(result.warnings).toEqual([
      expect.objectContaining({ item: 'course', itemid: 999999, warningcode: '1' }),
    ]);
  });

  it('returns the grades as decimal strings, and a "No grades found" warning per assignment without any', async () => {
    const { fake, client } = await setup();
    const all = await client.getAssignmentGrades([1, 2], 0);
    expect(all.warnings).toEqual([]);
    expect(
      all.assignments.map(({ assignmentid, grades }) => [assignmentid, grades.map((g) => g.grade)]),
    ).toEqual([
      [1, ['3.00000', '1.00000']],
      [2, ['78.50000', '42.00000']],
    ]);
    expect(all.assignments[0]?.grades[0]).toEqual({
      id: 1,
      userid: 805,
      attemptnumber: 0,
      timecreated: GRADED_AT,
      timemodified: GRADED_AT,
      grader: 2,
      grade: '3.00000',
    });

    const later = await client.getAssignmentGrades([1], GRADED_AT + 1);
    expect(fake.requests.at(-1)?.params).toEqual({
      assignmentids: { '0': '1' },
      since: String(GRADED_AT + 1),
    });
    expect(later).toEqual({
      assignments: [],
      warnings: [{ item: 'assignment', itemid: 1, warningcode: '3', message: 'No grades found' }],
    });
  });

  it('reads the user grade report: scale word and index, feedback, and the course total without cmid', async () => {
    const { client } = await setup();
    const { usergrades, warnings } = await client.getUserGradeItems(10, 805);
    expect(warnings).toEqual([]);
    expect(usergrades).toHaveLength(1);
    const [report] = usergrades;
    expect(report).toMatchObject({
      courseid: 10,
      courseidnumber: 'tx-grades',
      userid: 805,
      userfullname: 'Tx Txstu1',
    });
    expect(report?.gradeitems).toEqual([
      {
        id: 4,
        itemname: 'tx Essay (scale)',
        itemtype: 'mod',
        itemmodule: 'assign',
        iteminstance: 1,
        cmid: 10,
        graderaw: 3,
        gradeformatted: 'Merit',
        gradedategraded: GRADED_AT,
        grademin: 1,
        grademax: 4,
        feedback: '<p>Merit: good structure</p>',
        feedbackformat: 1,
        gradeishidden: false,
      },
      expect.objectContaining({ id: 5, cmid: 11, graderaw: 78.5, gradeformatted: '78.50' }),
      {
        id: 3,
        itemname: null,
        itemtype: 'course',
        itemmodule: null,
        iteminstance: 3,
        graderaw: 81.5,
        gradeformatted: '81.50',
        gradedategraded: GRADED_AT,
        grademin: 0,
        grademax: 104,
        feedback: '',
        feedbackformat: 2,
        gradeishidden: false,
      },
    ]);
  });

  it('reads every graded user of the course with userId 0', async () => {
    const { client } = await setup();
    const { usergrades } = await client.getUserGradeItems(10, 0);
    expect(
      usergrades.map((report) => [report.userid, report.gradeitems.map((item) => item.graderaw)]),
    ).toEqual([
      [805, [3, 78.5, 81.5]],
      [806, [1, 42, 43]],
    ]);
  });

  it('does not call Moodle for empty assignment or course lists', async () => {
    const { fake, client } = await setup();
    expect(await client.getAssignments([])).toEqual({ courses: [], warnings: [] });
    expect(await client.getAssignmentGrades([], 0)).toEqual({ assignments: [], warnings: [] });
    expect(fake.requests).toHaveLength(0);
  });

  it('reports a grade that is not a string as a permanent unexpected_response', async () => {
    const client = createMoodleClient({
      url: 'http://moodle.invalid',
      token: TOKEN,
      transport: async () => ({
        status: 200,
        statusText: 'OK',
        text: async () =>
          JSON.stringify({
            assignments: [
              {
                assignmentid: 1,
                grades: [
                  {
                    id: 1,
                    userid: 5,
                    attemptnumber: 0,
                    timecreated: 1,
                    timemodified: 1,
                    grader: 2,
                    grade: 3,
                  },
                ],
              },
            ],
            warnings: [],
          }),
      }),
    });
    const error = await client.getAssignmentGrades([1], 0).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MoodleError);
    expect(error).toMatchObject({ code: 'moodle.unexpected_response', retryable: false });
    expect((error as Error).message).toContain('assignments.0.grades.0.grade');
  });
});
