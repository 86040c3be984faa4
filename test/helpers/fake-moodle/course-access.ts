import { has } from './capabilities.js';
import { requireLoginException } from './errors.js';
import type { Caller, Env, FakeMoodleCourse, FakeMoodleEnrolment, FakeMoodleUser } from './state.js';

/** Who may see and use a course, and who is actively enrolled in it. */

/**
 * An active enrolment (get_enrolled_sql with onlyactive): not suspended, in an enabled instance, started (a
 * timestart in the future is not active, #134) and not ended. The user's account status does not count (#215).
 */
export function isActive(env: Env, course: FakeMoodleCourse, enrolment: FakeMoodleEnrolment): boolean {
  const now = env.now();
  return (
    enrolment.status === 0 &&
    course.manual === 'enabled' &&
    enrolment.timestart < now &&
    (enrolment.timeend === 0 || enrolment.timeend > now)
  );
}

/** The enrolments of a course whose users still exist, by user id ascending (Moodle's `ORDER BY u.id`). */
export function courseEnrolments(env: Env, courseId: number): [FakeMoodleUser, FakeMoodleEnrolment][] {
  const rows: [FakeMoodleUser, FakeMoodleEnrolment][] = [];
  for (const [userId, enrolment] of env.enrolments.get(courseId) ?? []) {
    const user = env.users.get(userId);
    if (user && !user.deleted) rows.push([user, enrolment]);
  }
  return rows.sort(([a], [b]) => a.id - b.id);
}

/**
 * Why require_login() refuses the caller in the course, or undefined: a hidden course needs
 * moodle/course:viewhiddencourses (#175, #176); otherwise moodle/course:view or an active enrolment.
 */
export function courseAccessProblem(env: Env, caller: Caller, course: FakeMoodleCourse): string | undefined {
  if (!course.visible && !has(caller, 'moodle/course:viewhiddencourses')) return 'Course is hidden';
  if (has(caller, 'moodle/course:view')) return undefined;
  const own = env.enrolments.get(course.id)?.get(caller.userId);
  return own && isActive(env, course, own) ? undefined : 'Not enrolled';
}

/** external_api::validate_context() for a course context. */
export function validateCourseContext(env: Env, caller: Caller, course: FakeMoodleCourse): void {
  const problem = courseAccessProblem(env, caller, course);
  if (problem) throw requireLoginException(problem);
}

/** core_course_category::can_view_course_info(): the public part of a course. */
export function canViewCourseInfo(caller: Caller, course: FakeMoodleCourse): boolean {
  return course.visible !== 0 || has(caller, 'moodle/course:viewhiddencourses');
}

/** `$CFG->coursecontact` of a fresh site: editing teachers (#212). */
const COURSE_CONTACT_ROLES = [3];

/**
 * The course contacts: holders of a contact role with an active enrolment, ordered by role, then by name
 * (core_course_category::preload_course_contacts, #212).
 */
export function courseContacts(env: Env, course: FakeMoodleCourse): FakeMoodleUser[] {
  const contacts: { user: FakeMoodleUser; role: number }[] = [];
  for (const [user, enrolment] of courseEnrolments(env, course.id)) {
    if (!isActive(env, course, enrolment)) continue;
    const role = COURSE_CONTACT_ROLES.find((id) => enrolment.roles.has(id));
    if (role !== undefined) contacts.push({ user, role });
  }
  const sortorder = (id: number): number => env.roles.get(id)?.sortorder ?? id;
  return contacts
    .sort(
      (a, b) =>
        sortorder(a.role) - sortorder(b.role) ||
        a.user.lastname.localeCompare(b.user.lastname) ||
        a.user.firstname.localeCompare(b.user.firstname) ||
        a.user.id - b.user.id,
    )
    .map(({ user }) => user);
}

export function fullname(user: FakeMoodleUser): string {
  return `${user.firstname} ${user.lastname}`;
}
