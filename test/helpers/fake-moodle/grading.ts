import type {
  Env,
  FakeMoodleAssignment,
  FakeMoodleGradebook,
  FakeMoodleScale,
  GradeTables,
} from './state.js';

/**
 * Test-only ways to build assignments and grade them "with PHP", as section A of the courses transcript did
 * (a scale, two assignments, `assign::save_grade()`), and what course deletion removes with them.
 */

export interface FakeMoodleAssignmentFields {
  course: number;
  name: string;
  /** Maximum points, or minus a scale id (#203); 0 for no grade. */
  grade: number;
  id?: number;
  cmid?: number;
  intro?: string;
  duedate?: number;
  /** Its gradebook item's id; the next one by default. */
  gradeitemid?: number;
}

export interface FakeMoodleGradeOptions {
  assignment: number;
  userid: number;
  /** Points, or the scale item's 1-based index; null saves a row without a grade (stored -1). */
  grade: number | null;
  /** Default: the admin (2), as in #192. */
  grader?: number;
  /** HTML feedback comments, shown in the gradebook (#198). */
  feedback?: string;
  /** Default: the user's latest attempt. */
  attemptnumber?: number;
  /** Default: the site's clock. */
  timemodified?: number;
}

/** Takes an explicit id or the next one, keeping the sequence past it. */
function take(tables: GradeTables, sequence: keyof GradeTables['next'], id?: number): number {
  const chosen = id ?? tables.next[sequence];
  tables.next[sequence] = Math.max(tables.next[sequence], chosen + 1);
  return chosen;
}

const key = (assignment: number, userid: number): string => `${assignment}:${userid}`;

/** A site scale (Site administration > Grades > Scales). */
export function addScale(env: Env, fields: { id?: number; name: string; items: string[] }): FakeMoodleScale {
  if (fields.items.length === 0) throw new Error('fake Moodle: a scale needs items');
  const id = take(env.grades, 'scale', fields.id);
  if (env.grades.scales.has(id)) throw new Error(`fake Moodle: scale ${id} already exists`);
  const scale = { id, name: fields.name, items: [...fields.items] };
  env.grades.scales.set(id, scale);
  return scale;
}

/**
 * The course's grade category and course total item, as grade_category::fetch_course_category() makes them
 * when the course's first graded activity is added. Explicit ids let a test match a recorded site (#198).
 */
export function addGradebook(
  env: Env,
  courseId: number,
  ids: { categoryid?: number; courseitemid?: number } = {},
): FakeMoodleGradebook {
  if (!env.courses.has(courseId)) throw new Error(`fake Moodle: no course ${courseId}`);
  const existing = env.grades.courseGradebooks.get(courseId);
  if (existing) return existing;
  const gradebook = {
    categoryid: take(env.grades, 'gradeCategory', ids.categoryid),
    courseitemid: take(env.grades, 'gradeItem', ids.courseitemid),
  };
  env.grades.courseGradebooks.set(courseId, gradebook);
  return gradebook;
}

/** An assignment with its course module and gradebook item, as add_moduleinfo() makes it. */
export function addAssignment(env: Env, fields: FakeMoodleAssignmentFields): FakeMoodleAssignment {
  const { grades } = env;
  if (!env.courses.has(fields.course)) throw new Error(`fake Moodle: no course ${fields.course}`);
  if (fields.grade < 0 && !grades.scales.has(-fields.grade)) {
    throw new Error(`fake Moodle: no scale ${-fields.grade}`);
  }
  if (fields.id !== undefined && grades.assignments.has(fields.id)) {
    throw new Error(`fake Moodle: assignment ${fields.id} already exists`);
  }
  addGradebook(env, fields.course);
  const assignment: FakeMoodleAssignment = {
    id: take(grades, 'assignment', fields.id),
    cmid: take(grades, 'cm', fields.cmid),
    course: fields.course,
    name: fields.name,
    grade: fields.grade,
    intro: fields.intro ?? '',
    duedate: fields.duedate ?? 0,
    timemodified: env.now(),
    gradeitemid: take(grades, 'gradeItem', fields.gradeitemid),
  };
  grades.assignments.set(assignment.id, assignment);
  return assignment;
}

/**
 * assign::save_grade(): upserts the grade row of the attempt (creating the user's submission row if there is
 * none, #196) and pushes the grade and feedback to the gradebook. A scale grade is the item's index (#192).
 */
export function gradeAssignment(env: Env, options: FakeMoodleGradeOptions): void {
  const { grades } = env;
  const assignment = grades.assignments.get(options.assignment);
  if (!assignment) throw new Error(`fake Moodle: no assignment ${options.assignment}`);
  if (!env.users.has(options.userid)) throw new Error(`fake Moodle: no user ${options.userid}`);
  const scale = assignment.grade < 0 ? grades.scales.get(-assignment.grade) : undefined;
  const grade = options.grade;
  if (grade !== null && scale && !(Number.isInteger(grade) && grade >= 1 && grade <= scale.items.length)) {
    throw new Error(`fake Moodle: ${grade} is not an item of scale ${scale.id}`);
  }
  if (grade !== null && !scale && (grade < 0 || grade > assignment.grade)) {
    throw new Error(`fake Moodle: ${grade} is outside 0-${assignment.grade}`);
  }
  const latest = grades.latestAttempt.get(key(assignment.id, options.userid)) ?? 0;
  grades.latestAttempt.set(key(assignment.id, options.userid), latest);
  const attemptnumber = options.attemptnumber ?? latest;
  const timemodified = options.timemodified ?? env.now();
  const stored = grade ?? -1;
  const grader = options.grader ?? 2;
  const row = grades.grades.find(
    (other) =>
      other.assignment === assignment.id &&
      other.userid === options.userid &&
      other.attemptnumber === attemptnumber,
  );
  if (row) {
    Object.assign(row, { grade: stored, grader, timemodified });
  } else {
    grades.grades.push({
      id: take(grades, 'grade'),
      assignment: assignment.id,
      userid: options.userid,
      attemptnumber,
      timecreated: timemodified,
      timemodified,
      grader,
      grade: stored,
    });
  }
  grades.gradebook.set(key(assignment.id, options.userid), {
    graderaw: grade,
    feedback: options.feedback ?? '',
    timemodified,
  });
}

/**
 * A reopened attempt: a new latest submission (attemptnumber + 1). get_grades joins the latest submission,
 * so the earlier attempt's grade is no longer returned; the gradebook keeps it until the new one is graded.
 */
export function addAttempt(env: Env, assignmentId: number, userId: number): void {
  if (!env.grades.assignments.has(assignmentId))
    throw new Error(`fake Moodle: no assignment ${assignmentId}`);
  const latest = env.grades.latestAttempt.get(key(assignmentId, userId)) ?? 0;
  env.grades.latestAttempt.set(key(assignmentId, userId), latest + 1);
}

/** course_delete_module(): the assignment, its grades, submissions and gradebook item go. */
export function deleteAssignment(env: Env, id: number): void {
  const { grades } = env;
  if (!grades.assignments.delete(id)) throw new Error(`fake Moodle: no assignment ${id}`);
  grades.grades = grades.grades.filter((row) => row.assignment !== id);
  for (const map of [grades.latestAttempt, grades.gradebook]) {
    for (const mapKey of [...map.keys()]) if (mapKey.startsWith(`${id}:`)) map.delete(mapKey);
  }
}

/** delete_course(): its assignments and gradebook go with it. */
export function removeCourseGrades(env: Env, courseId: number): void {
  for (const assignment of [...env.grades.assignments.values()]) {
    if (assignment.course === courseId) deleteAssignment(env, assignment.id);
  }
  env.grades.courseGradebooks.delete(courseId);
}

/** The gradebook row of the user for the assignment's item, if any. */
export function gradebookGrade(env: Env, assignmentId: number, userId: number) {
  return env.grades.gradebook.get(key(assignmentId, userId));
}

/** The attemptnumber of the user's latest submission, if they have one. */
export function latestAttempt(env: Env, assignmentId: number, userId: number): number | undefined {
  return env.grades.latestAttempt.get(key(assignmentId, userId));
}
