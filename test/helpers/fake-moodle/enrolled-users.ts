import { has, requireCapability, roleGrants } from './capabilities.js';
import { courseAccessProblem, courseEnrolments, fullname, isActive } from './course-access.js';
import { courseImage } from './course-details.js';
import { InvalidParameter, missingRecord, moodleException, WsError } from './errors.js';
import { cleanParam, multiple, phpIntval, single, value } from './params.js';
import {
  type Caller,
  type Env,
  type FakeMoodleCourse,
  type FakeMoodleEnrolment,
  type FakeMoodleUser,
  type FunctionDef,
  IMAGE_PATH,
} from './state.js';

/** core_enrol_get_enrolled_users and core_enrol_get_users_courses (section C, #133-#151, #173, #214, #215). */

interface EnrolledOptions {
  withcapability: string;
  groupid: number;
  onlyactive: boolean;
  onlysuspended: boolean;
  userfields: string[];
  limitfrom: number;
  limitnumber: number;
  sortby: 'id' | 'firstname' | 'lastname';
  sortdirection: 'ASC' | 'DESC';
}

function readOptions(options: { name: string; value: string }[]): EnrolledOptions {
  const result: EnrolledOptions = {
    withcapability: '',
    groupid: 0,
    onlyactive: false,
    onlysuspended: false,
    userfields: [],
    limitfrom: 0,
    limitnumber: 0,
    sortby: 'id',
    sortdirection: 'ASC',
  };
  const notEmpty = (raw: string): boolean => raw !== '' && raw !== '0';
  for (const { name, value: raw } of options) {
    switch (name) {
      case 'withcapability':
        result.withcapability = raw;
        break;
      case 'groupid':
        result.groupid = phpIntval(raw);
        break;
      case 'onlyactive':
        result.onlyactive = notEmpty(raw);
        break;
      case 'onlysuspended':
        result.onlysuspended = notEmpty(raw);
        break;
      case 'userfields':
        // Unknown names (e.g. `suspended`) are silently ignored (#214).
        result.userfields = raw
          .split(',')
          .map((field) => cleanParam(field, 'alphanumext', { authPlugins: [] }));
        break;
      case 'limitfrom':
        result.limitfrom = phpIntval(raw);
        break;
      case 'limitnumber':
        result.limitnumber = phpIntval(raw);
        break;
      case 'sortby':
        // `siteorder` (the site's fullname order) is read as lastname: close enough for a fake.
        if (!['id', 'firstname', 'lastname', 'siteorder'].includes(raw)) {
          throw new InvalidParameter(
            `Invalid value for sortby parameter (value: ${raw}),allowed values are: id,firstname,lastname,siteorder`,
          );
        }
        result.sortby = raw === 'siteorder' ? 'lastname' : (raw as EnrolledOptions['sortby']);
        break;
      case 'sortdirection': {
        const direction = raw.toUpperCase();
        if (direction !== 'ASC' && direction !== 'DESC') {
          throw new InvalidParameter(`Invalid value for sortdirection parameter (value: ${direction})`);
        }
        result.sortdirection = direction;
        break;
      }
    }
  }
  return result;
}

/** The user's active enrolments, as enrol_get_all_users_courses(onlyactive) sorts them: visible first. */
function activeCourses(env: Env, userId: number): FakeMoodleCourse[] {
  const courses: FakeMoodleCourse[] = [];
  for (const [courseId, users] of env.enrolments) {
    const course = env.courses.get(courseId);
    const enrolment = users.get(userId);
    if (course && enrolment && isActive(env, course, enrolment)) courses.push(course);
  }
  return courses.sort((a, b) => b.visible - a.visible || a.sortorder - b.sortorder || a.id - b.id);
}

/**
 * user_get_user_details() for a course, keys in the order of get_enrolled_users_returns(): empty optional
 * fields are left out, `department` is not (#133, #59 of transcripts-debug-off.md), and `enrolledcourses` is
 * there only when the user has an active enrolment somewhere (#133, #140). `id` and `fullname` always come.
 */
function enrolledUserDetails(
  env: Env,
  user: FakeMoodleUser,
  enrolment: FakeMoodleEnrolment,
  userfields: string[],
): Record<string, unknown> {
  const wanted = (field: string): boolean => userfields.length === 0 || userfields.includes(field);
  const details: Record<string, unknown> = {};
  const put = (field: string, item: unknown, ifEmpty = false): void => {
    if (wanted(field) && (ifEmpty || item !== '')) details[field] = item;
  };
  details.id = user.id;
  put('username', user.username);
  put('firstname', user.firstname);
  put('lastname', user.lastname);
  details.fullname = fullname(user);
  put('email', user.email);
  put('address', user.address);
  put('phone1', user.phone1);
  put('phone2', user.phone2);
  put('department', user.department, true);
  put('institution', user.institution);
  put('idnumber', user.idnumber);
  put('interests', user.interests);
  put('firstaccess', user.firstaccess);
  put('lastaccess', user.lastaccess);
  put('lastcourseaccess', 0);
  if (user.description !== '') {
    put('description', user.description);
    put('descriptionformat', user.descriptionformat);
  }
  put('city', user.city);
  put('country', user.country);
  put('profileimageurlsmall', `${env.siteUrl}${IMAGE_PATH}/f2`);
  put('profileimageurl', `${env.siteUrl}${IMAGE_PATH}/f1`);
  if (wanted('roles')) {
    // `name` is the role's custom name ('' for standard roles); `sortorder` is the assignment's, always 0.
    details.roles = [...enrolment.roles]
      .map((id) => env.roles.get(id))
      .filter((role) => role !== undefined)
      .sort((a, b) => a.sortorder - b.sortorder)
      .map((role) => ({ roleid: role.id, name: role.name, shortname: role.shortname, sortorder: 0 }));
  }
  if (wanted('enrolledcourses')) {
    const courses = activeCourses(env, user.id);
    if (courses.length > 0) {
      details.enrolledcourses = courses.map(({ id, fullname: name, shortname }) => ({
        id,
        fullname: name,
        shortname,
      }));
    }
  }
  return details;
}

/** course_require_view_participants(): viewparticipants, or enrolreview (#173). */
function canViewParticipants(caller: Caller): boolean {
  return has(caller, 'moodle/course:viewparticipants') || has(caller, 'moodle/course:enrolreview');
}

function getEnrolledUsers(env: Env, caller: Caller, courseId: number, options: EnrolledOptions): unknown {
  const course = env.courses.get(courseId);
  if (!course) throw missingRecord('course', 'SELECT * FROM {course} WHERE id = ?', [courseId]); // #161
  const problem = courseAccessProblem(env, caller, course);
  if (problem) {
    throw moodleException(
      'errorcoursecontextnotvalid',
      `You cannot execute functions in the course context (course id:${courseId}). The context error message was: Course or activity not accessible.`,
    );
  }
  if (!canViewParticipants(caller)) requireCapability(caller, 'moodle/course:viewparticipants');
  if (options.withcapability) requireCapability(caller, 'moodle/role:review');
  if (options.groupid) requireCapability(caller, 'moodle/site:accessallgroups');
  if (options.onlyactive || options.onlysuspended) requireCapability(caller, 'moodle/course:enrolreview');
  if (options.onlyactive && options.onlysuspended) {
    throw new WsError(
      'coding_exception',
      'codingerror',
      'Coding error detected, it must be fixed by a programmer: Both onlyactive and onlysuspended are set, this is probably not what you want!',
    );
  }
  // The fake has no groups: nobody is in any group.
  if (options.groupid) return [];
  let rows = courseEnrolments(env, course.id).filter(([, enrolment]) => {
    if (options.onlyactive && !isActive(env, course, enrolment)) return false;
    if (options.onlysuspended && isActive(env, course, enrolment)) return false;
    if (!options.withcapability) return true;
    return [...enrolment.roles].some((id) => roleGrants(env.roles.get(id), options.withcapability));
  });
  const key = options.sortby;
  rows.sort(([a], [b]) => {
    const order = key === 'id' ? a.id - b.id : a[key].localeCompare(b[key]) || a.id - b.id;
    return options.sortdirection === 'ASC' ? order : -order;
  });
  if (options.limitfrom > 0 || options.limitnumber > 0) {
    rows = rows.slice(
      options.limitfrom,
      options.limitnumber > 0 ? options.limitfrom + options.limitnumber : undefined,
    );
  }
  return rows.map(([user, enrolment]) => enrolledUserDetails(env, user, enrolment, options.userfields));
}

/** A course as core_enrol_get_users_courses lists it, keys in the recorded order (#138). */
function userCourse(
  env: Env,
  caller: Caller,
  course: FakeMoodleCourse,
  user: FakeMoodleUser,
): Record<string, unknown> {
  const enrolled = courseEnrolments(env, course.id);
  const enrolment = env.enrolments.get(course.id)?.get(user.id);
  // completion_can_view_data(): the user, or someone allowed to see completion reports.
  const completionVisible =
    caller.userId === user.id ||
    has(caller, 'report/completion:view') ||
    has(caller, 'moodle/user:viewuseractivitiesreport');
  const tracked =
    completionVisible &&
    course.enablecompletion !== 0 &&
    [...(enrolment?.roles ?? [])].some((id) =>
      roleGrants(env.roles.get(id), 'moodle/course:isincompletionreports'),
    );
  const completion = completionVisible && course.enablecompletion !== 0;
  return {
    id: course.id,
    shortname: course.shortname,
    fullname: course.fullname,
    displayname: course.fullname,
    enrolledusercount: enrolled.length,
    idnumber: course.idnumber,
    visible: course.visible,
    summary: course.summary,
    summaryformat: course.summaryformat,
    format: course.format,
    courseimage: courseImage(env, course),
    showgrades: course.showgrades !== 0,
    lang: course.lang,
    enablecompletion: course.enablecompletion !== 0,
    // No criteria and no activities in the fake's courses: nothing to complete, no progress.
    completionhascriteria: false,
    completionusertracked: tracked,
    category: course.categoryid,
    progress: null,
    completed: completion ? false : null,
    startdate: course.startdate,
    enddate: course.enddate,
    marker: course.marker,
    lastaccess: null,
    isfavourite: false,
    hidden: false,
    overviewfiles: [],
    showactivitydates: course.showactivitydates,
    showcompletionconditions: course.showcompletionconditions,
    timemodified: course.timemodified,
  };
}

export const ENROLLED_USER_FUNCTIONS: Record<string, FunctionDef> = {
  core_enrol_get_enrolled_users: {
    params: {
      courseid: value('int'),
      options: multiple(single({ name: value('alphanumext'), value: value('raw') }), { default: [] }),
    },
    run: (params, env, caller) =>
      getEnrolledUsers(
        env,
        caller,
        params.courseid as number,
        readOptions(params.options as { name: string; value: string }[]),
      ),
  },

  core_enrol_get_users_courses: {
    params: { userid: value('int'), returnusercount: value('bool', { default: true }) },
    run: (params, env, caller) => {
      const user = env.users.get(params.userid as number);
      if (!user || user.deleted) return [];
      // Only active enrolments (#135, #143), and only courses the caller may enter and see participants of.
      return activeCourses(env, user.id)
        .filter((course) => !courseAccessProblem(env, caller, course))
        .filter(() => caller.userId === user.id || canViewParticipants(caller))
        .map((course) => {
          const listed = userCourse(env, caller, course, user);
          if (!params.returnusercount) delete listed.enrolledusercount;
          return listed;
        });
    },
  },
};
