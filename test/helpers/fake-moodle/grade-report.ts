import { has, requireCapability } from './capabilities.js';
import { courseEnrolments, fullname, isActive, validateCourseContext } from './course-access.js';
import { missingRecord, moodleException } from './errors.js';
import { addGradebook, gradebookGrade } from './grading.js';
import { value } from './params.js';
import type {
  Caller,
  Env,
  FakeMoodleAssignment,
  FakeMoodleCourse,
  FakeMoodleUser,
  FunctionDef,
} from './state.js';

/**
 * gradereport_user_get_grade_items (#198-#200): the user report's rows. The course's assignments are its
 * grade items, then the course total, which is the natural sum of the user's grades (#198).
 */

/** `$CFG->gradebookroles` of a fresh site: students are the graded users. */
const GRADEBOOK_ROLES = [5];

interface ItemGrade {
  assignment: FakeMoodleAssignment;
  graderaw: number | null;
  grademin: number;
  grademax: number;
  /** The scale's words, for a scale item. */
  scale: string[] | undefined;
  dategraded: number | null;
  feedback: string;
}

/** format_float() with a fixed number of decimals, as the report prints grades and ranges. */
const fixed = (number: number, decimals: number): string => number.toFixed(decimals);

/** grade_grades.aggregationweight is DECIMAL(10,5) (#198: 4/104 → 0.03846). */
const round5 = (number: number): number => Math.round(number * 100000) / 100000;

function itemGrade(env: Env, assignment: FakeMoodleAssignment, user: FakeMoodleUser): ItemGrade {
  const scale = assignment.grade < 0 ? env.grades.scales.get(-assignment.grade)?.items : undefined;
  const row = gradebookGrade(env, assignment.id, user.id);
  const graderaw = row?.graderaw ?? null;
  const feedback = row?.feedback ?? '';
  return {
    assignment,
    graderaw,
    // A scale's grades run from 1 to its item count (#198: Refer–Distinction is 1–4).
    grademin: scale ? 1 : 0,
    grademax: scale ? scale.length : assignment.grade,
    scale,
    // grade_grade::get_dategraded(): no grade and no feedback has no date (#200).
    dategraded: row && (graderaw !== null || feedback !== '') ? row.timemodified : null,
    feedback,
  };
}

function percentage(graderaw: number | null, grademin: number, grademax: number): string {
  if (graderaw === null || grademax === grademin) return '-';
  return `${fixed(((graderaw - grademin) / (grademax - grademin)) * 100, 2)} %`;
}

/** One assignment's row, keys in the recorded order; weights only when the user has a grade (#198, #200). */
function modItemBody(gradebookCategory: number, grade: ItemGrade, totalMax: number): Record<string, unknown> {
  const { assignment, graderaw, grademin, grademax, scale } = grade;
  const weight = graderaw === null ? undefined : round5(grademax / totalMax);
  return {
    id: assignment.gradeitemid,
    itemname: assignment.name,
    itemtype: 'mod',
    itemmodule: 'assign',
    iteminstance: assignment.id,
    itemnumber: 0,
    idnumber: '',
    categoryid: gradebookCategory,
    outcomeid: null,
    // null even for a scale item (#198).
    scaleid: null,
    locked: false,
    cmid: assignment.cmid,
    ...(weight === undefined ? {} : { weightraw: weight, weightformatted: `${fixed(weight * 100, 2)} %` }),
    ...gradeFields(graderaw, grade.dategraded),
    gradeformatted: graderaw === null ? '-' : scale ? (scale[graderaw - 1] ?? '-') : fixed(graderaw, 2),
    grademin,
    grademax,
    rangeformatted: scale
      ? `${scale[0]}&ndash;${scale.at(-1)}`
      : `${fixed(grademin, 0)}&ndash;${fixed(grademax, 0)}`,
    percentageformatted: percentage(graderaw, grademin, grademax),
    feedback: grade.feedback,
    // FORMAT_HTML for the feedback comments assign pushes; 0 without any (#198).
    feedbackformat: grade.feedback === '' ? 0 : 1,
  };
}

function gradeFields(graderaw: number | null, dategraded: number | null): Record<string, unknown> {
  return {
    graderaw,
    gradedatesubmitted: null,
    gradedategraded: dategraded,
    gradehiddenbydate: false,
    gradeneedsupdate: false,
    gradeishidden: false,
    gradeislocked: false,
    gradeisoverridden: false,
  };
}

/**
 * The course total: with natural aggregation, the sum of the user's grades out of the sum of the graded items'
 * maxima (#198: 3 + 78.5 = 81.5 of 104); with no grade, "-" out of every item's maximum (#200). Unverified:
 * that a partly graded user's maximum leaves the ungraded items out ("exclude empty grades", on by default).
 */
function courseItemBody(
  gradebook: { categoryid: number; courseitemid: number },
  grades: ItemGrade[],
): Record<string, unknown> {
  const graded = grades.filter((grade) => grade.graderaw !== null);
  const sum = (values: number[]): number => values.reduce((total, item) => total + item, 0);
  const grademax = sum((graded.length > 0 ? graded : grades).map((grade) => grade.grademax));
  const graderaw = graded.length > 0 ? sum(graded.map((grade) => grade.graderaw ?? 0)) : null;
  const dategraded = graded.length > 0 ? Math.max(...graded.map((grade) => grade.dategraded ?? 0)) : null;
  return {
    id: gradebook.courseitemid,
    itemname: null,
    itemtype: 'course',
    itemmodule: null,
    iteminstance: gradebook.categoryid,
    itemnumber: null,
    idnumber: null,
    categoryid: null,
    outcomeid: null,
    scaleid: null,
    locked: false,
    ...gradeFields(graderaw, dategraded),
    gradeformatted: graderaw === null ? '-' : fixed(graderaw, 2),
    grademin: 0,
    grademax,
    rangeformatted: `0&ndash;${fixed(grademax, 0)}`,
    percentageformatted: percentage(graderaw, 0, grademax),
    feedback: '',
    // A computed course total's grade row is FORMAT_PLAIN (2); with no row the report says 0 (#198, #200).
    feedbackformat: graderaw === null ? 0 : 2,
  };
}

function userGrades(env: Env, course: FakeMoodleCourse, user: FakeMoodleUser): Record<string, unknown> {
  // grade_category::fetch_course_category() creates the course's gradebook if the course has none yet.
  const gradebook = addGradebook(env, course.id);
  const assignments = [...env.grades.assignments.values()]
    .filter((assignment) => assignment.course === course.id && assignment.grade !== 0)
    .sort((a, b) => a.gradeitemid - b.gradeitemid);
  const grades = assignments.map((assignment) => itemGrade(env, assignment, user));
  const totalMax = grades
    .filter((grade) => grade.graderaw !== null)
    .reduce((total, grade) => total + grade.grademax, 0);
  return {
    courseid: course.id,
    courseidnumber: course.idnumber,
    userid: user.id,
    userfullname: fullname(user),
    useridnumber: user.idnumber,
    maxdepth: 2,
    gradeitems: [
      ...grades.map((grade) => modItemBody(gradebook.categoryid, grade, totalMax)),
      courseItemBody(gradebook, grades),
    ],
  };
}

/**
 * The graded users of userid=0: actively enrolled holders of a gradebook role. Unverified (graded_users_iterator
 * with the default "show only active enrolments"): the order by last name, then first name.
 */
function gradedUsers(env: Env, course: FakeMoodleCourse): FakeMoodleUser[] {
  return courseEnrolments(env, course.id)
    .filter(
      ([, enrolment]) =>
        isActive(env, course, enrolment) && GRADEBOOK_ROLES.some((role) => enrolment.roles.has(role)),
    )
    .map(([user]) => user)
    .sort(
      (a, b) => a.lastname.localeCompare(b.lastname) || a.firstname.localeCompare(b.firstname) || a.id - b.id,
    );
}

/**
 * Unverified (gradereport_user\external\user::check_report_access): an unknown course or user is a missing
 * record, a deleted user `userdeleted`, and a caller who may not see the user's grades
 * `nopermissiontoviewgrades`. A user who is not enrolled is no error (#200).
 */
function getGradeItems(env: Env, caller: Caller, courseId: number, userId: number): unknown {
  const course = env.courses.get(courseId);
  if (!course) throw missingRecord('course', 'SELECT * FROM {course} WHERE id = ?', [courseId]);
  validateCourseContext(env, caller, course);
  requireCapability(caller, 'gradereport/user:view');
  if (userId === 0) {
    requireCapability(caller, 'moodle/grade:viewall');
    return {
      usergrades: gradedUsers(env, course).map((user) => userGrades(env, course, user)),
      warnings: [],
    };
  }
  const user = env.users.get(userId);
  if (!user) throw missingRecord('user', 'SELECT * FROM {user} WHERE id = ?', [userId]);
  if (user.deleted) throw moodleException('userdeleted', 'The user account has been deleted');
  const own = userId === caller.userId && has(caller, 'moodle/grade:view') && course.showgrades !== 0;
  if (!has(caller, 'moodle/grade:viewall') && !own) {
    throw moodleException('nopermissiontoviewgrades', 'Can not view grades.');
  }
  return { usergrades: [userGrades(env, course, user)], warnings: [] };
}

export const GRADE_REPORT_FUNCTIONS: Record<string, FunctionDef> = {
  gradereport_user_get_grade_items: {
    params: {
      courseid: value('int'),
      userid: value('int', { default: 0 }),
      groupid: value('int', { default: 0 }),
    },
    run: (params, env, caller) =>
      getGradeItems(env, caller, params.courseid as number, params.userid as number),
  },
};
