import { z } from 'zod';
import { createCallLimiter } from '../http-client/call-limiter.js';
import { encodeParams } from './encode-params.js';
import { httpPost, type PostTransport } from './http-post.js';
import {
  categorySchema,
  courseSchema,
  enrolledUserSchema,
  type MoodleCategory,
  type MoodleCategoryCriterionKey,
  type MoodleCourse,
  type MoodleCourseUpdate,
  type MoodleEnrolledUser,
  type MoodleEnrolment,
  type NewMoodleCategory,
  type NewMoodleCourse,
} from './moodle-course-types.js';
import { MoodleError, MoodleException, MoodleTransportError, type MoodleWarning } from './moodle-errors.js';
import {
  assignmentCourseSchema,
  assignmentGradesSchema,
  type MoodleAssignmentCourse,
  type MoodleAssignmentGrades,
  type MoodleUserGrades,
  toAssignmentCourse,
  toAssignmentGrades,
  toUserGrades,
  userGradesSchema,
} from './moodle-grade-types.js';

export type {
  MoodleCategory,
  MoodleCourse,
  MoodleCourseUpdate,
  MoodleEnrolledUser,
  MoodleEnrolment,
  NewMoodleCategory,
  NewMoodleCourse,
} from './moodle-course-types.js';
export type { MoodleWarning } from './moodle-errors.js';
export type {
  MoodleAssignGrade,
  MoodleAssignment,
  MoodleAssignmentCourse,
  MoodleAssignmentGrades,
  MoodleGradeItem,
  MoodleUserGrades,
} from './moodle-grade-types.js';

/** Every web-service function the client calls: the token's external service must include all of them. */
export const MOODLE_FUNCTIONS_USED = [
  'core_webservice_get_site_info',
  'core_user_get_users_by_field',
  'core_user_get_users',
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
  'core_course_get_categories',
  'core_course_create_categories',
  'core_course_get_courses_by_field',
  'core_course_create_courses',
  'core_course_update_courses',
  'enrol_manual_enrol_users',
  'enrol_manual_unenrol_users',
  'core_enrol_get_enrolled_users',
  'mod_assign_get_assignments',
  'mod_assign_get_grades',
  'gradereport_user_get_grade_items',
] as const;

export type MoodleFunctionName = (typeof MOODLE_FUNCTIONS_USED)[number];

/** The functions mzi calls whatever its modules: the health check and `mzi doctor` read the site info. */
export const MOODLE_CORE_FUNCTIONS: readonly MoodleFunctionName[] = ['core_webservice_get_site_info'];

/**
 * A user as `core_user_get_users_by_field` / `core_user_get_users` return it. Empty optional fields are
 * omitted by Moodle (transcripts #7, #15). A deleted user looked up by id comes back anonymised: username
 * `<email>.<timestamp>`, email an md5 hex (transcript #66).
 */
export interface MoodleUser {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  fullname: string;
  email: string;
  auth: string;
  suspended: boolean;
  confirmed: boolean;
  idnumber?: string;
  department?: string;
  institution?: string;
  phone1?: string;
  phone2?: string;
  address?: string;
  city?: string;
  /** ISO 3166-1 alpha-2; Moodle blanks anything else on write. */
  country?: string;
  lang?: string;
  theme?: string;
  timezone?: string;
  mailformat?: number;
  firstaccess?: number;
  lastaccess?: number;
  description?: string;
  descriptionformat?: number;
  profileimageurlsmall?: string;
  profileimageurl?: string;
  customfields?: { type: string; value: string; name?: string; shortname?: string }[];
  preferences?: { name: string; value: string | number }[];
}

/**
 * A user for `core_user_create_users`. `suspended` is deliberately absent: Moodle rejects it on create
 * (transcript #31); create, then update. Either `password` (policy applies) or `createpassword: true`.
 */
export interface NewMoodleUser {
  /** Lowercase, within `[-.@_a-z0-9]`: Moodle rejects anything else rather than fixing it (transcript #27). */
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  /** An installed auth plugin; Moodle defaults to `manual`. */
  auth?: string;
  password?: string;
  createpassword?: boolean;
  idnumber?: string;
  phone1?: string;
  phone2?: string;
  address?: string;
  city?: string;
  /** ISO 3166-1 alpha-2 (`LB`); anything else is silently stored as empty. */
  country?: string;
  lang?: string;
  timezone?: string;
  institution?: string;
  department?: string;
  description?: string;
  mailformat?: number;
  middlename?: string;
  alternatename?: string;
  firstnamephonetic?: string;
  lastnamephonetic?: string;
}

/**
 * Changes for `core_user_update_users`: `id` plus only the fields to change. The same fields as on create, all
 * optional, less `createpassword` (create only) and plus `suspended` (update only, DESIGN.md §5).
 */
export type MoodleUserUpdate = { id: number; suspended?: boolean } & Partial<
  Omit<NewMoodleUser, 'createpassword'>
>;

export interface MoodleSiteInfo {
  sitename: string;
  release: string;
  version: string;
  functions: { name: string; version: string }[];
  /** The user the token belongs to. */
  userid: number;
  username: string;
  siteurl: string;
}

/**
 * Keys `core_user_get_users` supports. Any other key is not an error in Moodle: it is ignored with an
 * `invalidfieldparameter` warning and ALL users come back (transcript #15), so the type rules it out.
 * `email`, `firstname` and `lastname` match with SQL LIKE (`%`, `_` are wildcards, case-insensitive).
 */
export type MoodleUserCriterionKey =
  | 'id'
  | 'idnumber'
  | 'username'
  | 'email'
  | 'firstname'
  | 'lastname'
  | 'auth';

export interface MoodleClient {
  /** `core_webservice_get_site_info`: who the token is and which functions its service allows. */
  getSiteInfo(): Promise<MoodleSiteInfo>;
  /** `core_user_get_users_by_field`: exact match; unknown values are left out. Includes deleted users by id. */
  getUsersByField(
    field: 'id' | 'idnumber' | 'username' | 'email',
    values: (string | number)[],
  ): Promise<MoodleUser[]>;
  /** `core_user_get_users`: criteria are ANDed; deleted users are excluded. */
  getUsers(
    criteria: { key: MoodleUserCriterionKey; value: string }[],
  ): Promise<{ users: MoodleUser[]; warnings: MoodleWarning[] }>;
  /** `core_user_create_users`: all or nothing; one bad user fails the whole call. */
  createUsers(users: NewMoodleUser[]): Promise<{ id: number; username: string }[]>;
  /** `core_user_update_users`: per-user problems come back as warnings, not as an exception. */
  updateUsers(users: MoodleUserUpdate[]): Promise<{ warnings: MoodleWarning[] }>;
  /** `core_user_delete_users`: all or nothing; a missing or already deleted user fails the call. */
  deleteUsers(userIds: number[]): Promise<void>;
  /** `core_course_get_categories`: exact matches, ANDed; none = every category; unknown values give []. */
  getCategories(criteria: { key: MoodleCategoryCriterionKey; value: string }[]): Promise<MoodleCategory[]>;
  /** `core_course_create_categories`: a taken idnumber is an exception (`categoryidnumbertaken`). */
  createCategories(categories: NewMoodleCategory[]): Promise<{ id: number; name: string }[]>;
  /**
   * `core_course_get_courses_by_field` for one value; nothing found (or hidden from the token's user) is [].
   * `ids` is not offered: one unknown id crashes Moodle with a PHP Error (transcript 118).
   */
  getCoursesByField(
    field: 'id' | 'idnumber' | 'shortname' | 'category',
    value: string | number,
  ): Promise<MoodleCourse[]>;
  /** `core_course_create_courses`: all or nothing (110). */
  createCourses(courses: NewMoodleCourse[]): Promise<{ id: number; shortname: string }[]>;
  /** `core_course_update_courses`: each failing course is a warning; the others are applied (128). */
  updateCourses(courses: MoodleCourseUpdate[]): Promise<{ warnings: MoodleWarning[] }>;
  /** `enrol_manual_enrol_users`: `null` on success; all or nothing (156). */
  enrolUsers(enrolments: MoodleEnrolment[]): Promise<void>;
  /** `enrol_manual_unenrol_users`: removing someone not enrolled is silent (157). */
  unenrolUsers(enrolments: { userid: number; courseid: number; roleid?: number }[]): Promise<void>;
  /** `core_enrol_get_enrolled_users` with its options (`onlyactive`, `onlysuspended`, `userfields`…). */
  getEnrolledUsers(
    courseId: number,
    options?: { name: string; value: string }[],
  ): Promise<MoodleEnrolledUser[]>;
  /**
   * `mod_assign_get_assignments` with includenotenrolledcourses=1: without it Moodle skips every course the
   * token's user is not enrolled in (warning "2", 191), and a web-service user is usually enrolled in none.
   */
  getAssignments(
    courseIds: readonly number[],
  ): Promise<{ courses: MoodleAssignmentCourse[]; warnings: MoodleWarning[] }>;
  /**
   * `mod_assign_get_grades`: the grades of each user's latest attempt changed at or after `since` (Unix
   * seconds; 0 for all). An assignment with none, or an unknown one, is a warning "3" (194, 195).
   */
  getAssignmentGrades(
    assignmentIds: readonly number[],
    since: number,
  ): Promise<{ assignments: MoodleAssignmentGrades[]; warnings: MoodleWarning[] }>;
  /**
   * `gradereport_user_get_grade_items`: the user report of one user, or of every graded user for `userId` 0
   * (198-200). A user who is not enrolled gets rows without grades, not an error (200).
   */
  getUserGradeItems(
    courseId: number,
    userId: number,
  ): Promise<{ usergrades: MoodleUserGrades[]; warnings: MoodleWarning[] }>;
  /** Any function, untyped: the parsed JSON body, or a MoodleError. */
  call<T = unknown>(wsfunction: string, params?: Record<string, unknown>): Promise<T>;
}

export interface MoodleClientOptions {
  /** Site root, e.g. `https://moodle.example.edu` (a trailing slash is fine). */
  url: string;
  token: string;
  /** Per call, from sending to the last byte of the answer. Default 15 000. */
  timeoutMs?: number;
  /** How requests are sent (default: httpPost, node:http(s) with kept-alive connections). */
  transport?: PostTransport;
  /** Calls in flight at once; more wait their turn so a burst of events does not hammer Moodle. Default 4. */
  maxConcurrency?: number;
  /** Told of every call that could not reach Moodle (the health check then watches for its return). */
  onTransportError?: (error: MoodleTransportError) => void;
  /** Told of every call, for metrics: its outcome and duration (never its parameters). */
  onCall?: (call: {
    wsfunction: string;
    outcome: 'ok' | 'exception' | 'transport';
    seconds: number;
    errorcode?: string;
  }) => void;
}

/** Parameters the REST server reads itself; a caller passing them would override ours. */
const RESERVED_PARAMS = new Set(['wstoken', 'wsfunction', 'moodlewsrestformat']);

/** Creates a typed client for Moodle's REST web services (DESIGN.md §5). */
export function createMoodleClient(options: MoodleClientOptions): MoodleClient {
  const { token } = options;
  if (token === '') throw new TypeError('createMoodleClient: token must not be empty');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxConcurrency = options.maxConcurrency ?? 4;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new TypeError('createMoodleClient: maxConcurrency must be a positive integer');
  }
  const transport = options.transport ?? httpPost;
  // Only the format goes in the query string; the token travels in the body so it never lands in access logs.
  const endpoint = `${options.url.replace(/\/+$/, '')}/webservice/rest/server.php?moodlewsrestformat=json`;
  const limit = createCallLimiter(maxConcurrency);
  const redact = (text: string): string => text.split(token).join('[redacted]');

  async function call<T = unknown>(wsfunction: string, params: Record<string, unknown> = {}): Promise<T> {
    const started = performance.now();
    try {
      const result = await callOnce<T>(wsfunction, params);
      options.onCall?.({ wsfunction, outcome: 'ok', seconds: (performance.now() - started) / 1000 });
      return result;
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      if (error instanceof MoodleTransportError) {
        options.onTransportError?.(error);
        options.onCall?.({ wsfunction, outcome: 'transport', seconds, errorcode: error.code });
      } else if (error instanceof MoodleException) {
        options.onCall?.({ wsfunction, outcome: 'exception', seconds, errorcode: error.errorcode });
      }
      throw error;
    }
  }

  async function callOnce<T>(wsfunction: string, params: Record<string, unknown>): Promise<T> {
    for (const key of Object.keys(params)) {
      if (RESERVED_PARAMS.has(key)) throw new TypeError(`Moodle parameter ${key} is set by the client`);
    }
    const form = new URLSearchParams({ wstoken: token, wsfunction });
    for (const [key, value] of encodeParams(params)) form.append(key, value);
    const body = form.toString();

    const { status, statusText, text } = await limit(() => send(wsfunction, body));
    if (status < 200 || status >= 300) {
      throw new MoodleTransportError({
        reason: 'http_status',
        wsfunction,
        httpStatus: status,
        detail: redact(`HTTP ${status}${statusText ? ` ${statusText}` : ''}${titleOf(text)}`),
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MoodleTransportError({
        reason: 'bad_response',
        wsfunction,
        httpStatus: status,
        detail: redact(`answer is not JSON (HTTP ${status})${titleOf(text)}`),
      });
    }
    // The one error signal (DESIGN.md §5): a top-level object with an `exception` key. Success bodies may be
    // an array, an object or the literal null.
    if (isObject(json) && 'exception' in json) {
      throw new MoodleException({
        wsfunction,
        exception: redact(String(json.exception)),
        errorcode: redact(String(json.errorcode ?? '')),
        message: redact(String(json.message ?? '')),
        debuginfo: typeof json.debuginfo === 'string' ? redact(json.debuginfo) : undefined,
      });
    }
    return json as T;
  }

  async function send(
    wsfunction: string,
    body: string,
  ): Promise<{ status: number; statusText: string; text: string }> {
    try {
      const response = await transport(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the body under the same timeout: a site that sends headers and then stalls is still down.
      const text = await response.text();
      return { status: response.status, statusText: response.statusText, text };
    } catch (error) {
      if (isNamed(error, 'TimeoutError')) {
        throw new MoodleTransportError({
          reason: 'timeout',
          wsfunction,
          detail: `no answer within ${timeoutMs} ms`,
          cause: error,
        });
      }
      throw new MoodleTransportError({
        reason: 'network',
        wsfunction,
        detail: redact(networkDetail(error)),
        cause: error,
      });
    }
  }

  async function typed<S extends z.ZodType>(
    wsfunction: MoodleFunctionName,
    params: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    const json = await call(wsfunction, params);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      // Valid JSON of the wrong shape: a Moodle version or plugin we do not understand. Retrying won't help.
      throw new MoodleError(
        'moodle.unexpected_response',
        `Moodle answered ${wsfunction} with an unexpected shape${where}: ${issue?.message ?? 'invalid'}`,
        { retryable: false, wsfunction },
      );
    }
    return parsed.data;
  }

  return {
    call,

    async getSiteInfo() {
      const info = await typed('core_webservice_get_site_info', {}, siteInfoSchema);
      return {
        sitename: info.sitename,
        release: info.release,
        version: info.version,
        functions: info.functions.map(({ name, version }) => ({ name, version })),
        userid: info.userid,
        username: info.username,
        siteurl: info.siteurl,
      };
    },

    async getUsersByField(field, values) {
      // Moodle needs at least one value ("Missing required key: values"); nothing to look up finds nothing.
      if (values.length === 0) return [];
      return (await typed('core_user_get_users_by_field', { field, values }, usersSchema)) as MoodleUser[];
    },

    async getUsers(criteria) {
      // With no criteria Moodle would fail the call; with an unsupported one it returns every user.
      if (criteria.length === 0) throw new TypeError('getUsers needs at least one criterion');
      const result = await typed('core_user_get_users', { criteria }, getUsersSchema);
      return { users: result.users as MoodleUser[], warnings: result.warnings.map(toWarning) };
    },

    async createUsers(users) {
      if (users.length === 0) return [];
      return await typed('core_user_create_users', { users }, createdSchema);
    },

    async updateUsers(users) {
      if (users.length === 0) return { warnings: [] };
      const result = await typed('core_user_update_users', { users }, warningsSchema);
      return { warnings: result.warnings.map(toWarning) };
    },

    async deleteUsers(userIds) {
      if (userIds.length === 0) return;
      await typed('core_user_delete_users', { userids: userIds }, z.null());
    },

    async getCategories(criteria) {
      return await typed(
        'core_course_get_categories',
        criteria.length > 0 ? { criteria } : {},
        z.array(categorySchema),
      );
    },

    async createCategories(categories) {
      if (categories.length === 0) return [];
      return await typed(
        'core_course_create_categories',
        { categories },
        z.array(z.looseObject({ id: z.number(), name: z.string() })),
      );
    },

    async getCoursesByField(field, value) {
      const result = await typed(
        'core_course_get_courses_by_field',
        { field, value: String(value) },
        z.looseObject({ courses: z.array(courseSchema) }),
      );
      return result.courses;
    },

    async createCourses(courses) {
      if (courses.length === 0) return [];
      return await typed(
        'core_course_create_courses',
        { courses },
        z.array(z.looseObject({ id: z.number(), shortname: z.string() })),
      );
    },

    async updateCourses(courses) {
      if (courses.length === 0) return { warnings: [] };
      const result = await typed('core_course_update_courses', { courses }, warningsSchema);
      return { warnings: result.warnings.map(toWarning) };
    },

    async enrolUsers(enrolments) {
      if (enrolments.length === 0) return;
      await typed('enrol_manual_enrol_users', { enrolments }, z.null());
    },

    async unenrolUsers(enrolments) {
      if (enrolments.length === 0) return;
      await typed('enrol_manual_unenrol_users', { enrolments }, z.null());
    },

    async getEnrolledUsers(courseId, options = []) {
      return (await typed(
        'core_enrol_get_enrolled_users',
        options.length > 0 ? { courseid: courseId, options } : { courseid: courseId },
        z.array(enrolledUserSchema),
      )) as MoodleEnrolledUser[];
    },

    async getAssignments(courseIds) {
      // An empty list would make Moodle answer for the caller's own courses instead.
      if (courseIds.length === 0) return { courses: [], warnings: [] };
      const result = await typed(
        'mod_assign_get_assignments',
        { courseids: [...courseIds], includenotenrolledcourses: true },
        z.looseObject({ courses: z.array(assignmentCourseSchema), warnings: z.array(warningSchema) }),
      );
      return { courses: result.courses.map(toAssignmentCourse), warnings: result.warnings.map(toWarning) };
    },

    async getAssignmentGrades(assignmentIds, since) {
      if (assignmentIds.length === 0) return { assignments: [], warnings: [] };
      const result = await typed(
        'mod_assign_get_grades',
        { assignmentids: [...assignmentIds], since },
        z.looseObject({ assignments: z.array(assignmentGradesSchema), warnings: z.array(warningSchema) }),
      );
      return {
        assignments: result.assignments.map(toAssignmentGrades),
        warnings: result.warnings.map(toWarning),
      };
    },

    async getUserGradeItems(courseId, userId) {
      const result = await typed(
        'gradereport_user_get_grade_items',
        { courseid: courseId, userid: userId },
        z.looseObject({ usergrades: z.array(userGradesSchema), warnings: z.array(warningSchema) }),
      );
      return { usergrades: result.usergrades.map(toUserGrades), warnings: result.warnings.map(toWarning) };
    },
  };
}

const siteInfoSchema = z.looseObject({
  sitename: z.string(),
  release: z.string(),
  version: z.string(),
  functions: z.array(z.looseObject({ name: z.string(), version: z.string() })),
  userid: z.number(),
  username: z.string(),
  siteurl: z.string(),
});

const userSchema = z.looseObject({
  id: z.number(),
  username: z.string(),
  firstname: z.string(),
  lastname: z.string(),
  fullname: z.string(),
  email: z.string(),
  auth: z.string(),
  suspended: z.boolean(),
  confirmed: z.boolean(),
});
const usersSchema = z.array(userSchema);

const warningSchema = z.looseObject({
  item: z.string().optional(),
  itemid: z.number().optional(),
  warningcode: z.string(),
  message: z.string(),
});
const warningsSchema = z.looseObject({ warnings: z.array(warningSchema) });
const getUsersSchema = z.looseObject({ users: usersSchema, warnings: z.array(warningSchema) });
const createdSchema = z.array(z.looseObject({ id: z.number(), username: z.string() }));

function toWarning(warning: z.output<typeof warningSchema>): MoodleWarning {
  return {
    ...(warning.item === undefined ? {} : { item: warning.item }),
    ...(warning.itemid === undefined ? {} : { itemid: warning.itemid }),
    warningcode: warning.warningcode,
    message: warning.message,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** The most specific short reason (`ECONNREFUSED`, `ECONNRESET`, fetch's `UND_ERR_SOCKET`), else its message. */
function networkDetail(error: unknown): string {
  if (!(error instanceof Error)) return 'network error';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = error.cause;
  if (isObject(cause) && typeof cause.code === 'string') return cause.code;
  if (cause instanceof Error && cause.message) return cause.message;
  return error.message || 'network error';
}

/** ` ("Site maintenance")` from an HTML error page, so operators see what the page said; empty otherwise. */
function titleOf(text: string): string {
  const match = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(text);
  const title = match?.[1]?.replace(/\s+/g, ' ').trim();
  return title ? ` ("${title.slice(0, 80)}")` : '';
}
