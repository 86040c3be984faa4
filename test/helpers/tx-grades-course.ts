import type { FakeMoodle } from './fake-moodle.js';

/**
 * Course tx-grades of transcripts-courses-enrolments-grades.md (section A) in a fake Moodle: what section F's
 * exchanges read. Needs a fake whose clock says GRADED_AT while it is built.
 */

/** When section A graded (every timestamp of #192 and #203). */
export const GRADED_AT = 1796619106;

/** Section A: users, course 10, scale 3, the two assignments and the four grades, made "with PHP". */
export function buildTxGrades(fake: FakeMoodle): void {
  for (const [id, lastname] of [
    [805, 'Txstu1'],
    [806, 'Txstu2'],
    [809, 'Txloner'],
  ] as const) {
    fake.addUser({ id, username: `${lastname.toLowerCase()}r18982`, firstname: 'Tx', lastname });
  }
  fake.addCourse({ id: 10, fullname: 'tx Grades course', shortname: 'tx-grades', idnumber: 'tx-grades' });
  fake.addEnrolment(10, 805);
  fake.addEnrolment(10, 806);
  fake.addScale({
    id: 3,
    name: 'tx Refer/Pass/Merit/Distinction',
    items: ['Refer', 'Pass', 'Merit', 'Distinction'],
  });
  // The recorded site had made grade items 1-2 and categories 1-2 for earlier courses.
  fake.addGradebook(10, { categoryid: 3, courseitemid: 3 });
  fake.addAssignment({
    id: 1,
    cmid: 10,
    course: 10,
    name: 'tx Essay (scale)',
    grade: -3,
    intro: 'Graded with the tx scale',
    duedate: 1798761600,
  });
  fake.addAssignment({
    id: 2,
    cmid: 11,
    course: 10,
    name: 'tx Project (points)',
    grade: 100,
    intro: 'Graded out of 100',
  });
  fake.grade({ assignment: 1, userid: 805, grade: 3, feedback: '<p>Merit: good structure</p>' });
  fake.grade({ assignment: 1, userid: 806, grade: 1, feedback: '<p>Refer: resubmit</p>' });
  fake.grade({ assignment: 2, userid: 805, grade: 78.5 });
  fake.grade({ assignment: 2, userid: 806, grade: 42 });
}
