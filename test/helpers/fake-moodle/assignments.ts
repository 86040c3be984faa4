import { has } from './capabilities.js';
import { courseAccessProblem, isActive } from './course-access.js';
import { latestAttempt } from './grading.js';
import { multiple, value } from './params.js';
import type { Caller, Env, FakeMoodleAssignment, FakeMoodleCourse, FunctionDef } from './state.js';

/** mod_assign_get_assignments and mod_assign_get_grades (section F, #191-#195, #203). */

interface Warning {
  item: string;
  itemid: number;
  warningcode: string;
  message: string;
}

/** The assignment settings every recorded assignment has (#203): the defaults of a new one. */
const ASSIGNMENT_CONFIGS = [
  { plugin: 'onlinetext', subtype: 'assignsubmission', name: 'enabled', value: '1' },
  { plugin: 'onlinetext', subtype: 'assignsubmission', name: 'wordlimit', value: '0' },
  { plugin: 'onlinetext', subtype: 'assignsubmission', name: 'wordlimitenabled', value: '0' },
  { plugin: 'comments', subtype: 'assignsubmission', name: 'enabled', value: '0' },
  { plugin: 'comments', subtype: 'assignfeedback', name: 'enabled', value: '1' },
  { plugin: 'comments', subtype: 'assignfeedback', name: 'commentinline', value: '0' },
];

/** An assignment as get_assignments lists it, keys in the recorded order (#203). */
function assignmentBody(assignment: FakeMoodleAssignment): Record<string, unknown> {
  return {
    id: assignment.id,
    cmid: assignment.cmid,
    course: assignment.course,
    name: assignment.name,
    nosubmissions: 0,
    submissiondrafts: 0,
    sendnotifications: 0,
    sendlatenotifications: 0,
    sendstudentnotifications: 0,
    duedate: assignment.duedate,
    allowsubmissionsfromdate: 0,
    grade: assignment.grade,
    gradepenalty: 0,
    timemodified: assignment.timemodified,
    completionsubmit: 0,
    cutoffdate: 0,
    gradingduedate: 0,
    teamsubmission: 0,
    requireallteammemberssubmit: 0,
    teamsubmissiongroupingid: 0,
    blindmarking: 0,
    hidegrader: 0,
    revealidentities: 0,
    attemptreopenmethod: 'untilpass',
    maxattempts: 1,
    markingworkflow: 0,
    markingallocation: 0,
    markinganonymous: 0,
    requiresubmissionstatement: 0,
    preventsubmissionnotingroup: 0,
    configs: ASSIGNMENT_CONFIGS.map((config) => ({ ...config })),
    intro: assignment.intro,
    introformat: 1,
    introfiles: [],
    introattachments: [],
    timelimit: 0,
    submissionattachments: 0,
  };
}

/** The course's assignments in course-module order (get_fast_modinfo lists them so). */
function courseAssignments(env: Env, courseId: number): FakeMoodleAssignment[] {
  return [...env.grades.assignments.values()]
    .filter((assignment) => assignment.course === courseId)
    .sort((a, b) => a.cmid - b.cmid);
}

/** The caller's active enrolments (enrol_get_users_courses onlyactive), as ids. */
function myCourseIds(env: Env, caller: Caller): number[] {
  const ids: number[] = [];
  for (const [courseId, users] of env.enrolments) {
    const course = env.courses.get(courseId);
    const own = users.get(caller.userId);
    if (course && own && isActive(env, course, own)) ids.push(courseId);
  }
  return ids.sort((a, b) => a - b);
}

/**
 * Without includenotenrolledcourses a course the caller is not enrolled in is skipped with warning "2" (#191),
 * whatever their capabilities; with it, every course whose context they pass is listed (#203). No course ids
 * means the caller's own courses. Unverified (mod/assign/externallib.php): a course whose context fails gets
 * warning "1" with the exception's message appended.
 */
function getAssignments(
  env: Env,
  caller: Caller,
  options: { courseIds: number[]; capabilities: string[]; includeNotEnrolled: boolean },
): unknown {
  const { courseIds, capabilities, includeNotEnrolled } = options;
  const warnings: Warning[] = [];
  const mine = myCourseIds(env, caller);
  let ids: number[];
  if (courseIds.length === 0) {
    ids = mine;
  } else if (includeNotEnrolled) {
    ids = [...new Set(courseIds)];
  } else {
    ids = [];
    for (const courseId of courseIds) {
      if (mine.includes(courseId)) {
        if (!ids.includes(courseId)) ids.push(courseId);
      } else {
        warnings.push({
          item: 'course',
          itemid: courseId,
          warningcode: '2',
          message: 'User is not enrolled or does not have requested capability',
        });
      }
    }
  }
  const courses: FakeMoodleCourse[] = [];
  for (const courseId of ids) {
    const course = env.courses.get(courseId);
    const access = course ? courseAccessProblem(env, caller, course) : undefined;
    if (!course || access) {
      const reason = course
        ? `Course or activity not accessible. (${access})`
        : "Can't find data record in database.";
      warnings.push({
        item: 'course',
        itemid: courseId,
        warningcode: '1',
        message: `No access rights in course context ${reason}`,
      });
      continue;
    }
    // A course where the caller lacks one of the requested capabilities is dropped without a warning.
    if (capabilities.every((capability) => has(caller, capability))) courses.push(course);
  }
  return {
    courses: courses.map((course) => ({
      id: course.id,
      fullname: course.fullname,
      shortname: course.shortname,
      timemodified: course.timemodified,
      assignments: courseAssignments(env, course.id).map(assignmentBody),
    })),
    warnings,
  };
}

/** `(string)` of an assign_grades.grade, a DECIMAL(10,5) column (#192: "78.50000", "-1.00000"). */
function decimalString(grade: number): string {
  return grade.toFixed(5);
}

/**
 * The grade rows of each assignment that belong to the user's latest submission (`s.latest = 1 AND
 * s.attemptnumber = ag.attemptnumber`) and changed at or after `since`, by assignment then row id (#192,
 * #193). An assignment with none, or an unknown id, gets warning "3" (#194, #195). Unverified: an assignment
 * whose context the caller fails, or whose grades they may not view, gets warning "1" instead.
 */
function getGrades(env: Env, caller: Caller, assignmentIds: number[], since: number): unknown {
  const warnings: Warning[] = [];
  let requested = [...assignmentIds];
  for (const id of new Set(assignmentIds)) {
    const assignment = env.grades.assignments.get(id);
    const course = assignment && env.courses.get(assignment.course);
    if (!assignment || !course) continue;
    const viewGrades = has(caller, 'mod/assign:viewgrades') || has(caller, 'mod/assign:grade');
    if (courseAccessProblem(env, caller, course) || !viewGrades) {
      requested = requested.filter((other) => other !== id);
      warnings.push({
        item: 'assignment',
        itemid: id,
        warningcode: '1',
        message: 'No access rights in module context',
      });
    }
  }
  const rows = env.grades.grades
    .filter(
      (row) =>
        requested.includes(row.assignment) &&
        latestAttempt(env, row.assignment, row.userid) === row.attemptnumber &&
        row.timemodified >= since,
    )
    .sort((a, b) => a.assignment - b.assignment || a.id - b.id);
  const assignments: { assignmentid: number; grades: unknown[] }[] = [];
  for (const row of rows) {
    let entry = assignments.at(-1);
    if (entry?.assignmentid !== row.assignment) {
      entry = { assignmentid: row.assignment, grades: [] };
      assignments.push(entry);
    }
    entry.grades.push({
      id: row.id,
      userid: row.userid,
      attemptnumber: row.attemptnumber,
      timecreated: row.timecreated,
      timemodified: row.timemodified,
      grader: row.grader,
      grade: decimalString(row.grade),
    });
  }
  for (const id of requested) {
    if (!assignments.some((entry) => entry.assignmentid === id)) {
      warnings.push({ item: 'assignment', itemid: id, warningcode: '3', message: 'No grades found' });
    }
  }
  return { assignments, warnings };
}

export const ASSIGNMENT_FUNCTIONS: Record<string, FunctionDef> = {
  mod_assign_get_assignments: {
    params: {
      courseids: multiple(value('int'), { default: [] }),
      // PARAM_CAPABILITY: the fake does not check that the names exist.
      capabilities: multiple(value('raw'), { default: [] }),
      includenotenrolledcourses: value('bool', { default: false }),
    },
    run: (params, env, caller) =>
      getAssignments(env, caller, {
        courseIds: params.courseids as number[],
        capabilities: params.capabilities as string[],
        includeNotEnrolled: params.includenotenrolledcourses as boolean,
      }),
  },

  mod_assign_get_grades: {
    params: {
      assignmentids: multiple(value('int')),
      since: value('int', { default: 0 }),
    },
    run: (params, env, caller) =>
      getGrades(env, caller, params.assignmentids as number[], params.since as number),
  },
};
