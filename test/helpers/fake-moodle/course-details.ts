import { has, requireCapability } from './capabilities.js';
import { canViewCourseInfo, courseAccessProblem, courseContacts, fullname } from './course-access.js';
import { InvalidParameter, moodleException, PhpError } from './errors.js';
import { cleanParam, cleanSequence, multiple, phpIntval, single, value } from './params.js';
import type { Caller, Env, FakeMoodleCourse, FunctionDef } from './state.js';

/**
 * core_course_get_courses_by_field (#111-#119, #167, #176, #212, #213) and core_course_get_courses (#57 of
 * transcripts-debug-off.md).
 */

/** The filters a fresh site makes available in every course (#112). */
const FILTERS = ['displayh5p', 'activitynames', 'mathjaxloader', 'emoticon', 'urltolink', 'mediaplugin'].map(
  (filter) => ({ filter, localstate: 0, inheritedstate: 1 }),
);

/** format_topics::get_config_for_external() with the defaults (#112). */
const TOPICS_FORMAT_OPTIONS = [
  { name: 'hiddensections', value: 1 },
  { name: 'coursedisplay', value: 0 },
  { name: 'indentation', value: '1' },
];

/** The generated course image; Moodle puts the course context id in the path, which the fake makes up. */
export function courseImage(env: Env, course: FakeMoodleCourse): string {
  return `${env.siteUrl}/pluginfile.php/${1000 + course.id}/course/generated/course.svg`;
}

/** get_course_public_information(): what anyone who may see the course's listing gets. */
function publicInformation(env: Env, course: FakeMoodleCourse): Record<string, unknown> {
  return {
    id: course.id,
    fullname: course.fullname,
    displayname: course.fullname,
    shortname: course.shortname,
    courseimage: courseImage(env, course),
    categoryid: course.categoryid,
    categoryname: env.categories.get(course.categoryid)?.name ?? '',
    sortorder: course.sortorder,
    summary: course.summary,
    summaryformat: course.summaryformat,
    summaryfiles: [],
    overviewfiles: [],
    showactivitydates: course.showactivitydates,
    showcompletionconditions: course.showcompletionconditions,
    contacts: courseContacts(env, course).map((user) => ({ id: user.id, fullname: fullname(user) })),
    // Enabled instances only; a new course's guest and self instances are disabled (#131).
    enrollmentmethods: course.manual === 'enabled' ? ['manual'] : [],
  };
}

/** The full course object: public information, course fields, manager-only fields for course:update (#112). */
function courseDetails(env: Env, caller: Caller, course: FakeMoodleCourse): Record<string, unknown> {
  const manager = has(caller, 'moodle/course:update');
  // Keys in the order of get_course_structure(false).
  return {
    ...publicInformation(env, course),
    ...(manager ? { idnumber: course.idnumber } : {}),
    format: course.format,
    showgrades: course.showgrades,
    newsitems: course.newsitems,
    startdate: course.startdate,
    enddate: course.enddate,
    maxbytes: course.maxbytes,
    showreports: course.showreports,
    visible: course.visible,
    groupmode: course.groupmode,
    groupmodeforce: course.groupmodeforce,
    defaultgroupingid: course.defaultgroupingid,
    enablecompletion: course.enablecompletion,
    completionnotify: course.completionnotify,
    lang: course.lang,
    theme: course.theme,
    marker: course.marker,
    ...(manager
      ? {
          legacyfiles: 0,
          calendartype: '',
          timecreated: course.timecreated,
          timemodified: course.timemodified,
          requested: 0,
          cacherev: course.cacherev,
        }
      : {}),
    filters: FILTERS,
    courseformatoptions: TOPICS_FORMAT_OPTIONS,
  };
}

/** The courses the field selects, by id; `ids` also returns the warnings of util::validate_courses(). */
function selectCourses(
  env: Env,
  caller: Caller,
  field: string,
  raw: string,
): { courses: FakeMoodleCourse[]; warnings: Record<string, unknown>[] } {
  const all = [...env.courses.values()].sort((a, b) => a.id - b.id);
  const none = { warnings: [] };
  switch (field) {
    case '':
      return { courses: all, ...none };
    case 'id':
      return { courses: all.filter((course) => course.id === phpIntval(raw)), ...none };
    case 'category':
      return { courses: all.filter((course) => course.categoryid === phpIntval(raw)), ...none };
    case 'shortname': {
      const shortname = cleanParam(raw, 'text', { authPlugins: [] });
      return { courses: all.filter((course) => course.shortname === shortname), ...none };
    }
    case 'idnumber':
      return { courses: all.filter((course) => course.idnumber === raw), ...none };
    case 'ids': {
      const ids = cleanSequence(raw).split(',');
      const courses: FakeMoodleCourse[] = [];
      const warnings: Record<string, unknown>[] = [];
      for (const id of ids) {
        const course = /^\d+$/.test(id) ? env.courses.get(Number(id)) : undefined;
        // validate_courses() marks each course as validated or not; a missing one is null, and setting a
        // property on null is a PHP Error (#118, #213).
        if (!course) throw new PhpError('Attempt to assign property "contextvalidated" on null');
        if (courseAccessProblem(env, caller, course)) {
          warnings.push({
            item: 'course',
            itemid: course.id,
            warningcode: '1',
            message: 'No access rights in course context',
          });
        }
        if (!courses.includes(course)) courses.push(course);
      }
      return { courses: courses.sort((a, b) => a.id - b.id), warnings };
    }
    default:
      throw new InvalidParameter('Invalid field name');
  }
}

export const COURSE_DETAIL_FUNCTIONS: Record<string, FunctionDef> = {
  core_course_get_courses_by_field: {
    params: { field: value('alpha', { default: '' }), value: value('raw', { default: '' }) },
    run: (params, env, caller) => {
      const { courses, warnings } = selectCourses(
        env,
        caller,
        params.field as string,
        params.value as string,
      );
      const result: Record<string, unknown>[] = [];
      for (const course of courses) {
        const canUpdate = has(caller, 'moodle/course:update');
        if (!course.visible && !has(caller, 'moodle/course:viewhiddencourses') && !canUpdate) continue;
        if (courseAccessProblem(env, caller, course)) {
          // Not allowed in: the public part when the listing is visible, else nothing (#176).
          if (canViewCourseInfo(caller, course)) result.push(publicInformation(env, course));
          continue;
        }
        result.push(courseDetails(env, caller, course));
      }
      // Not found is an empty list, not an error (#111, #115-#117).
      return { courses: result, warnings };
    },
  },

  core_course_get_courses: {
    params: { options: single({ ids: multiple(value('int'), 'optional') }, { default: {} }) },
    run: (params, env, caller) => {
      const ids = (params.options as { ids?: number[] }).ids ?? [];
      const courses = [...env.courses.values()]
        .filter((course) => ids.length === 0 || ids.includes(course.id))
        .sort((a, b) => a.id - b.id);
      const result: Record<string, unknown>[] = [];
      for (const course of courses) {
        const problem = courseAccessProblem(env, caller, course);
        if (problem) {
          // Unlike get_courses_by_field, a course the caller may not enter fails the whole call.
          throw moodleException(
            'errorcoursecontextnotvalid',
            `You cannot execute functions in the course context (course id:${course.id}). The context error message was: Course or activity not accessible.`,
          );
        }
        requireCapability(caller, 'moodle/course:view');
        const admin = has(caller, 'moodle/course:update');
        if (admin || course.visible || has(caller, 'moodle/course:viewhiddencourses')) {
          result.push(listedCourse(course, admin));
        }
      }
      return result;
    },
  },
};

/** A course as core_course_get_courses returns it, in the key order of #57; some keys for updaters only. */
function listedCourse(course: FakeMoodleCourse, admin: boolean): Record<string, unknown> {
  const onlyAdmin = (fields: Record<string, unknown>): Record<string, unknown> => (admin ? fields : {});
  return {
    id: course.id,
    shortname: course.shortname,
    categoryid: course.categoryid,
    ...onlyAdmin({ categorysortorder: course.sortorder }),
    fullname: course.fullname,
    displayname: course.fullname,
    ...onlyAdmin({ idnumber: course.idnumber }),
    summary: course.summary,
    summaryformat: course.summaryformat,
    format: course.format,
    ...onlyAdmin({ showgrades: course.showgrades, newsitems: course.newsitems }),
    startdate: course.startdate,
    enddate: course.enddate,
    ...onlyAdmin({
      // Only section 0 exists in a course made without numsections.
      numsections: 0,
      maxbytes: course.maxbytes,
      showreports: course.showreports,
      visible: course.visible,
      hiddensections: 1,
      groupmode: course.groupmode,
      groupmodeforce: course.groupmodeforce,
      defaultgroupingid: course.defaultgroupingid,
      timecreated: course.timecreated,
      timemodified: course.timemodified,
      enablecompletion: course.enablecompletion,
      completionnotify: course.completionnotify,
      lang: course.lang,
      forcetheme: course.theme,
      courseformatoptions: [
        { name: 'hiddensections', value: 1 },
        { name: 'coursedisplay', value: 0 },
      ],
    }),
    showactivitydates: course.showactivitydates,
    showcompletionconditions: course.showcompletionconditions,
  };
}
