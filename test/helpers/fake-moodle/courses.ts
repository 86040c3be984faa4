import { has, requireCapability } from './capabilities.js';
import { validateCourseContext } from './course-access.js';
import { InvalidParameter, missingRecord, moodleException, WsError } from './errors.js';
import { removeCourseGrades } from './grading.js';
import { INSTALLED_LANGS, multiple, single, value } from './params.js';
import {
  ADMIN_ID,
  type Caller,
  type Env,
  type FakeMoodleCourse,
  type FunctionDef,
  SITE_COURSE_ID,
} from './state.js';

/** core_course_create_courses, core_course_update_courses, core_course_delete_courses (sections B, D, G). */

const DAY = 24 * 60 * 60;
/** moodlecourse | courseduration of a fresh site: 365 days (#122, #167: 1796601600 → 1828137600). */
const COURSE_DURATION = 365 * DAY;

/** usergetmidnight() on a site whose timezone is UTC, as the recorded one (#167). */
function midnight(now: number): number {
  return now - (now % DAY);
}

/**
 * Inserts a course with a fresh site's defaults (#112: moodlecourse settings; enabled manual instance). The
 * callers checked names, dates and permissions.
 */
export function insertCourse(env: Env, fields: Partial<FakeMoodleCourse>): FakeMoodleCourse {
  const id = fields.id ?? env.nextCourseId();
  if (id === SITE_COURSE_ID || env.courses.has(id)) {
    throw new Error(`fake Moodle: course id ${id} already exists`);
  }
  const categoryid = fields.categoryid ?? 1;
  const category = env.categories.get(categoryid);
  if (!category) throw new Error(`fake Moodle: category ${categoryid} does not exist`);
  const now = env.now();
  // Unverified when only startdate is given: the end date follows it by the course duration, as on the form.
  const startdate = fields.startdate ?? midnight(now);
  const enddate = fields.enddate ?? startdate + COURSE_DURATION;
  let inCategory = 1;
  for (const other of env.courses.values()) if (other.categoryid === categoryid) inCategory += 1;
  const course: FakeMoodleCourse = {
    fullname: `Course ${id}`,
    shortname: `course${id}`,
    idnumber: '',
    summary: '',
    summaryformat: 1,
    format: 'topics',
    showgrades: 1,
    newsitems: 5,
    maxbytes: 0,
    showreports: 0,
    visible: category.visible,
    groupmode: 0,
    groupmodeforce: 0,
    defaultgroupingid: 0,
    enablecompletion: 1,
    completionnotify: 0,
    lang: '',
    theme: '',
    marker: 0,
    showactivitydates: true,
    showcompletionconditions: true,
    // Not renumbered as fix_course_sortorder() does on every change: tests compare it loosely.
    sortorder: category.sortorder + inCategory,
    timecreated: now,
    timemodified: now,
    cacherev: now,
    manual: 'enabled',
    createdBy: ADMIN_ID,
    ...fields,
    id,
    categoryid,
    startdate,
    enddate,
  };
  env.courses.set(id, course);
  return course;
}

/** Removes a course with its enrolments and assignments (delete_course()). */
export function removeCourse(env: Env, id: number): void {
  env.courses.delete(id);
  env.enrolments.delete(id);
  removeCourseGrades(env, id);
}

/** course_validate_dates() over the fields sent: an end date needs a start date, and must not precede it. */
function datesProblem(fields: { startdate?: number; enddate?: number }): string | undefined {
  const { startdate, enddate } = fields;
  if (startdate && enddate && enddate < startdate) return 'enddatebeforestartdate';
  if (!startdate && enddate) return 'nostartdatenoenddate';
  return undefined;
}

const DATE_MESSAGES: Record<string, string> = {
  enddatebeforestartdate: 'The course end date must be after the start date.',
  nostartdatenoenddate: 'A course end date can only be set if a start date is also set.',
};

const dateException = (code: string): WsError => moodleException(code, DATE_MESSAGES[code]);

/** Unverified message: webservice `errorinvalidparam`. */
const invalidParam = (name: string): WsError =>
  moodleException('errorinvalidparam', `The param "${name}" is invalid.`);

/** util::validate_format(): FORMAT_MOODLE, HTML, PLAIN or MARKDOWN. */
function validateFormat(format: unknown): void {
  if (![0, 1, 2, 4].includes(format as number)) throw new InvalidParameter('Text format is invalid'); // unverified
}

const shortnameTaken = (shortname: string): WsError =>
  moodleException('shortnametaken', `Short name is already used for another course (${shortname})`);
const idnumberTaken = (idnumber: string): WsError =>
  moodleException('courseidnumbertaken', `ID number is already used for another course (${idnumber})`);

const FORMAT_OPTIONS = multiple(single({ name: value('alphanumext'), value: value('raw') }), 'optional');
const CUSTOM_FIELDS = multiple(single({ shortname: value('alphanumext'), value: value('raw') }), 'optional');

type CourseInput = Record<string, string | number | undefined>;

/** The fields of a create or update item that are kept on the course; the rest are accepted and ignored. */
const STORED_FIELDS = [
  'fullname',
  'shortname',
  'categoryid',
  'idnumber',
  'summary',
  'summaryformat',
  'format',
  'showgrades',
  'newsitems',
  'startdate',
  'enddate',
  'maxbytes',
  'showreports',
  'visible',
  'groupmode',
  'groupmodeforce',
  'defaultgroupingid',
  'enablecompletion',
  'completionnotify',
  'lang',
] as const;

function storedFields(input: CourseInput): Partial<FakeMoodleCourse> {
  const fields: Record<string, unknown> = {};
  for (const key of STORED_FIELDS) if (input[key] !== undefined) fields[key] = input[key];
  return fields as Partial<FakeMoodleCourse>;
}

/** One item of create_courses, in Moodle's order of checks (course/externallib.php, create_course()). */
function createCourse(env: Env, caller: Caller, input: CourseInput): FakeMoodleCourse {
  const categoryid = input.categoryid as number;
  const category = env.categories.get(categoryid);
  if (!category) {
    // validate_context(false) fails with invalid_parameter_exception, wrapped with the category id (#109).
    throw moodleException(
      'errorcatcontextnotvalid',
      `You cannot execute functions in the category context (category id:${categoryid}). The context error message was: Invalid parameter value detected`,
    );
  }
  requireCapability(caller, 'moodle/course:create');
  const course = { ...input };
  if (String(course.fullname).trim() === '') throw invalidParam('fullname');
  if (String(course.shortname).trim() === '') throw invalidParam('shortname');
  if (course.lang !== undefined) {
    if (!INSTALLED_LANGS.includes(String(course.lang))) throw invalidParam('lang');
    if (!has(caller, 'moodle/course:setforcedlanguage')) delete course.lang;
  }
  // Without moodle/course:visibility the course takes the category's visibility (#166).
  if (!has(caller, 'moodle/course:visibility') || course.visible === undefined)
    course.visible = category.visible;
  validateFormat(course.summaryformat);
  const shortname = String(course.shortname);
  const idnumber = course.idnumber === undefined ? '' : String(course.idnumber);
  const courses = [...env.courses.values()];
  if (courses.some((other) => other.shortname === shortname)) throw shortnameTaken(shortname);
  if (idnumber !== '' && courses.some((other) => other.idnumber === idnumber)) throw idnumberTaken(idnumber);
  const dates = datesProblem(course as { startdate?: number; enddate?: number });
  if (dates) throw dateException(dates);
  return insertCourse(env, { ...storedFields(course), createdBy: caller.userId });
}

/** One item of update_courses; any exception becomes that item's warning (#120-#128, #168). */
function updateCourse(env: Env, caller: Caller, input: CourseInput & { id: number }): void {
  const course = env.courses.get(input.id);
  if (!course) throw missingRecord('course', 'SELECT id FROM {course} WHERE id = ?', [input.id]);
  validateCourseContext(env, caller, course);
  requireCapability(caller, 'moodle/course:update');
  const changes = (key: keyof FakeMoodleCourse & keyof CourseInput): boolean =>
    input[key] !== undefined && String(input[key]) !== String(course[key]);
  if (changes('categoryid')) requireCapability(caller, 'moodle/course:changecategory');
  if (changes('fullname')) {
    requireCapability(caller, 'moodle/course:changefullname');
    if (String(input.fullname).trim() === '') throw invalidParam('fullname');
  }
  if (changes('shortname')) {
    requireCapability(caller, 'moodle/course:changeshortname');
    if (String(input.shortname).trim() === '') throw invalidParam('shortname');
  }
  if (changes('idnumber')) requireCapability(caller, 'moodle/course:changeidnumber');
  if (changes('summary')) requireCapability(caller, 'moodle/course:changesummary');
  if (changes('summaryformat')) {
    requireCapability(caller, 'moodle/course:changesummary');
    validateFormat(input.summaryformat);
  }
  if (changes('visible')) requireCapability(caller, 'moodle/course:visibility');
  if (changes('lang')) {
    requireCapability(caller, 'moodle/course:setforcedlanguage');
    if (!INSTALLED_LANGS.includes(String(input.lang))) throw invalidParam('lang');
  }
  // update_course()
  const others = [...env.courses.values()].filter((other) => other.id !== course.id);
  if (input.shortname && changes('shortname') && others.some((o) => o.shortname === input.shortname)) {
    throw shortnameTaken(String(input.shortname));
  }
  if (input.idnumber && changes('idnumber') && others.some((o) => o.idnumber === input.idnumber)) {
    throw idnumberTaken(String(input.idnumber));
  }
  // Only the dates sent count: an end date without a start date is refused even when the course has one (#120).
  const dates = datesProblem(input as { startdate?: number; enddate?: number });
  if (dates) throw dateException(dates);
  const fields = storedFields(input);
  if (fields.categoryid === 0) delete fields.categoryid;
  if (fields.categoryid !== undefined) {
    const category = env.categories.get(fields.categoryid);
    // Unverified: the move's context lookup fails for a missing category.
    if (!category)
      throw missingRecord('course_categories', 'SELECT * FROM {course_categories} WHERE id = ?', [
        fields.categoryid,
      ]);
    if (!changes('visible') && !category.visible) fields.visible = 0;
  }
  const now = env.now();
  Object.assign(course, fields, { timemodified: now, cacherev: now });
}

export const COURSE_FUNCTIONS: Record<string, FunctionDef> = {
  core_course_create_courses: {
    params: {
      courses: multiple(
        single({
          fullname: value('text'),
          shortname: value('text'),
          categoryid: value('int'),
          idnumber: value('raw', 'optional'),
          summary: value('raw', 'optional'),
          summaryformat: value('int', { default: 1 }),
          format: value('plugin', { default: 'topics' }),
          showgrades: value('int', { default: 1 }),
          newsitems: value('int', { default: 5 }),
          startdate: value('int', 'optional'),
          enddate: value('int', 'optional'),
          numsections: value('int', 'optional'),
          maxbytes: value('int', { default: 0 }),
          showreports: value('int', { default: 0 }),
          visible: value('int', 'optional'),
          hiddensections: value('int', 'optional'),
          groupmode: value('int', { default: 0 }),
          groupmodeforce: value('int', { default: 0 }),
          defaultgroupingid: value('int', { default: 0 }),
          enablecompletion: value('int', 'optional'),
          completionnotify: value('int', 'optional'),
          lang: value('safedir', 'optional'),
          forcetheme: value('plugin', 'optional'),
          courseformatoptions: FORMAT_OPTIONS,
          customfields: CUSTOM_FIELDS,
        }),
      ),
    },
    run: (params, env, caller) => {
      // One transaction (#110, #111): a failure removes the courses created before it, whose ids stay used
      // (the next course after #110 got 6, not 5).
      const created: FakeMoodleCourse[] = [];
      try {
        for (const input of params.courses as CourseInput[]) created.push(createCourse(env, caller, input));
      } catch (error) {
        for (const course of created) removeCourse(env, course.id);
        throw error;
      }
      return created.map(({ id, shortname }) => ({ id, shortname }));
    },
  },

  core_course_update_courses: {
    params: {
      courses: multiple(
        single({
          id: value('int'),
          fullname: value('text', 'optional'),
          shortname: value('text', 'optional'),
          categoryid: value('int', 'optional'),
          idnumber: value('raw', 'optional'),
          summary: value('raw', 'optional'),
          summaryformat: value('int', 'optional'),
          format: value('plugin', 'optional'),
          showgrades: value('int', 'optional'),
          newsitems: value('int', 'optional'),
          startdate: value('int', 'optional'),
          enddate: value('int', 'optional'),
          numsections: value('int', 'optional'),
          maxbytes: value('int', 'optional'),
          showreports: value('int', 'optional'),
          visible: value('int', 'optional'),
          hiddensections: value('int', 'optional'),
          groupmode: value('int', 'optional'),
          groupmodeforce: value('int', 'optional'),
          defaultgroupingid: value('int', 'optional'),
          enablecompletion: value('int', 'optional'),
          completionnotify: value('int', 'optional'),
          lang: value('safedir', 'optional'),
          forcetheme: value('plugin', 'optional'),
          courseformatoptions: FORMAT_OPTIONS,
          customfields: CUSTOM_FIELDS,
        }),
      ),
    },
    run: (params, env, caller) => {
      // Each course on its own: a failing one becomes a warning and the others are applied (#128, #129).
      const warnings: Record<string, unknown>[] = [];
      for (const input of params.courses as (CourseInput & { id: number })[]) {
        try {
          updateCourse(env, caller, input);
        } catch (error) {
          if (!(error instanceof WsError)) throw error;
          warnings.push({ item: 'course', itemid: input.id, ...error.asWarning(env.debug) });
        }
      }
      return { warnings };
    },
  },

  core_course_delete_courses: {
    params: { courseids: multiple(value('int')) },
    run: (params, env, caller) => {
      // Each id on its own, no transaction (#209); a course the caller may not enter throws (validate_context).
      const warnings: Record<string, unknown>[] = [];
      const warn = (itemid: number, warningcode: string, message: string): void => {
        warnings.push({ item: 'course', itemid, warningcode, message });
      };
      for (const id of params.courseids as number[]) {
        const course = env.courses.get(id);
        if (id === SITE_COURSE_ID) {
          // delete_course() refuses the site course after can_delete_course() (#211).
          if (has(caller, 'moodle/course:delete'))
            warn(id, 'cannotdeletecategorycourse', `Course ${id} failed to be deleted`);
          else warn(id, 'cannotdeletecourse', `You do not have the permission to delete this course${id}`);
          continue;
        }
        if (!course) {
          warn(id, 'unknowncourseidnumber', `Unknown course ID ${id}`);
          continue;
        }
        validateCourseContext(env, caller, course);
        if (!canDeleteCourse(env, caller, course)) {
          // No space before the id: Moodle concatenates it so (#172).
          warn(id, 'cannotdeletecourse', `You do not have the permission to delete this course${id}`);
          continue;
        }
        removeCourse(env, id);
      }
      return { warnings };
    },
  },
};

/** can_delete_course(): moodle/course:delete, or a creator within 24 hours of creating it (#170, #172). */
function canDeleteCourse(env: Env, caller: Caller, course: FakeMoodleCourse): boolean {
  if (has(caller, 'moodle/course:delete')) return true;
  if (!has(caller, 'moodle/course:create')) return false;
  return course.createdBy === caller.userId && course.timecreated >= env.now() - DAY;
}
