import { canAssign, requireCapability } from './capabilities.js';
import {
  canViewCourseInfo,
  courseAccessProblem,
  courseContacts,
  validateCourseContext,
} from './course-access.js';
import { InvalidParameter, missingRecord, moodleException } from './errors.js';
import { multiple, single, value } from './params.js';
import type { Env, FakeMoodleCourse, FakeMoodleEnrolment, FunctionDef } from './state.js';

/** enrol_manual_enrol_users, enrol_manual_unenrol_users, core_enrol_get_course_enrolment_methods (section C). */

const noInstance = (courseId: number) =>
  moodleException(
    'wsnoinstance',
    `Manual enrolment plugin instance doesn't exist or is disabled for the course (id = ${courseId})`,
  );

const missingCourse = (courseId: number) =>
  // Unverified SQL (debug on only): context_course::instance() with MUST_EXIST.
  missingRecord('course', 'SELECT id FROM {course} WHERE id = ?', [courseId]);

/** Adds the enrolment, or updates it as enrol_user() does when the user is already enrolled. */
export function enrolUser(
  env: Env,
  courseId: number,
  userId: number,
  fields: { roleId?: number; status?: 0 | 1; timestart?: number; timeend?: number },
): FakeMoodleEnrolment {
  let course = env.enrolments.get(courseId);
  if (!course) {
    course = new Map();
    env.enrolments.set(courseId, course);
  }
  let enrolment = course.get(userId);
  if (!enrolment) {
    enrolment = { roles: new Set(), status: 0, timestart: 0, timeend: 0 };
    course.set(userId, enrolment);
  }
  // Omitted values are 0, not "keep" (#137, #144); another role is added, not swapped (#150).
  enrolment.status = fields.status ?? 0;
  enrolment.timestart = fields.timestart ?? 0;
  enrolment.timeend = fields.timeend ?? 0;
  if (fields.roleId !== undefined) enrolment.roles.add(fields.roleId);
  return enrolment;
}

/** A copy of the enrolments, to roll a failed batch back (the web service runs it in one transaction). */
function snapshot(env: Env): Env['enrolments'] {
  const copy: Env['enrolments'] = new Map();
  for (const [courseId, users] of env.enrolments) {
    copy.set(
      courseId,
      new Map(
        [...users].map(([userId, enrolment]) => [userId, { ...enrolment, roles: new Set(enrolment.roles) }]),
      ),
    );
  }
  return copy;
}

function inTransaction<T>(env: Env, work: () => T): T {
  const before = snapshot(env);
  try {
    return work();
  } catch (error) {
    // In place: tests may hold the maps.
    for (const courseId of env.enrolments.keys()) if (!before.has(courseId)) env.enrolments.delete(courseId);
    for (const [courseId, users] of before) {
      const current = env.enrolments.get(courseId);
      if (!current) env.enrolments.set(courseId, users);
      else {
        current.clear();
        for (const [userId, enrolment] of users) current.set(userId, enrolment);
      }
    }
    throw error;
  }
}

interface EnrolItem {
  roleid: number;
  userid: number;
  courseid: number;
  timestart?: number;
  timeend?: number;
  suspend?: number;
}

/**
 * Whether the manual plugin sends a welcome message for this enrolment: the course has a contact (who sends
 * it) other than the user, and the user's account is not suspended (Moodle mails no suspended user, #155).
 */
function sendsWelcome(env: Env, course: FakeMoodleCourse, userId: number): boolean {
  const user = env.users.get(userId);
  return !user?.suspended && courseContacts(env, course).some((contact) => contact.id !== userId);
}

export const ENROLMENT_FUNCTIONS: Record<string, FunctionDef> = {
  enrol_manual_enrol_users: {
    params: {
      // `suspend`, not `status` (#146).
      enrolments: multiple(
        single({
          roleid: value('int'),
          userid: value('int'),
          courseid: value('int'),
          timestart: value('int', 'optional'),
          timeend: value('int', 'optional'),
          suspend: value('int', 'optional'),
        }),
      ),
    },
    run: (params, env, caller) => {
      let welcome = false;
      inTransaction(env, () => {
        for (const item of params.enrolments as EnrolItem[]) {
          const course = env.courses.get(item.courseid);
          // validate_context(false): the same invalidparameter as a bad value (debug-off #61, debug-on #33).
          if (!course) throw new InvalidParameter('Context does not exist');
          validateCourseContext(env, caller, course); // a hidden course: requireloginerror (#175)
          requireCapability(caller, 'enrol/manual:enrol');
          if (!canAssign(caller, env, item.roleid)) {
            // A role that does not exist reads the same as one the caller may not assign (#152, #156, #164).
            throw moodleException(
              'wsusercannotassign',
              `You don't have the permission to assign this role (${item.roleid}) to this user (${item.userid}) in this course (${item.courseid}).`,
            );
          }
          if (course.manual !== 'enabled') throw noInstance(course.id); // deleted or disabled (#153, #154)
          const user = env.users.get(item.userid);
          // Unverified for a deleted user; a missing one is debug-on #34. A suspended account is fine (#155).
          if (!user || user.deleted) {
            throw missingRecord('user', 'SELECT * FROM {user} WHERE id = ?', [item.userid]);
          }
          welcome ||= env.noMailTransport && sendsWelcome(env, course, user.id);
          enrolUser(env, course.id, user.id, {
            roleId: item.roleid,
            status: item.suspend ? 1 : 0,
            timestart: item.timestart ?? 0,
            timeend: item.timeend ?? 0,
          });
        }
      });
      // The message goes out after the commit: its failure reaches the caller, the enrolments stay (#149, #150).
      if (welcome) throw moodleException('Message was not sent.');
      return null;
    },
  },

  enrol_manual_unenrol_users: {
    params: {
      enrolments: multiple(
        single({ userid: value('int'), courseid: value('int'), roleid: value('int', 'optional') }),
      ),
    },
    run: (params, env, caller) => {
      inTransaction(env, () => {
        for (const item of params.enrolments as { userid: number; courseid: number }[]) {
          const course = env.courses.get(item.courseid);
          if (!course) throw missingCourse(item.courseid); // #158
          validateCourseContext(env, caller, course);
          requireCapability(caller, 'enrol/manual:unenrol');
          // Any manual instance will do, even a disabled one (enrol/manual/externallib.php reads it without
          // a status); only a deleted one is refused (#159).
          if (course.manual === 'none') throw noInstance(course.id);
          // Unverified SQL (debug on only); debug off is #160.
          if (!env.users.has(item.userid)) {
            throw missingRecord('user', 'SELECT * FROM {user} WHERE id = ?', [item.userid]);
          }
          // Not enrolled: nothing to do, no error (#157). The roleid is ignored: the user leaves the course.
          env.enrolments.get(course.id)?.delete(item.userid);
        }
      });
      return null;
    },
  },

  core_enrol_get_course_enrolment_methods: {
    params: { courseid: value('int') },
    run: (params, env, caller) => {
      const course = env.courses.get(params.courseid as number);
      if (!course) {
        throw missingRecord('course', 'SELECT * FROM {course} WHERE id = ?', [params.courseid as number]);
      }
      if (!canViewCourseInfo(caller, course) && courseAccessProblem(env, caller, course)) {
        throw moodleException('coursehidden', 'This course is currently unavailable to students'); // unverified
      }
      // The manual plugin gives no enrolment information, so even its enabled instance is not listed (#131).
      return [];
    },
  },
};
