import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ASSIGNMENT_FUNCTIONS } from './fake-moodle/assignments.js';
import { type FakeMoodleGrantOptions, requireRestUse } from './fake-moodle/capabilities.js';
import { CATEGORY_FUNCTIONS } from './fake-moodle/categories.js';
import { COURSE_DETAIL_FUNCTIONS } from './fake-moodle/course-details.js';
import { COURSE_FUNCTIONS } from './fake-moodle/courses.js';
import { ENROLLED_USER_FUNCTIONS } from './fake-moodle/enrolled-users.js';
import { ENROLMENT_FUNCTIONS } from './fake-moodle/enrolments.js';
import {
  InvalidParameter,
  invalidToken,
  missingRecord,
  type RenderedError,
  WsError,
} from './fake-moodle/errors.js';
import { GRADE_REPORT_FUNCTIONS } from './fake-moodle/grade-report.js';
import {
  addAssignment,
  addAttempt,
  addGradebook,
  addScale,
  deleteAssignment,
  type FakeMoodleAssignmentFields,
  type FakeMoodleGradeOptions,
  gradeAssignment,
} from './fake-moodle/grading.js';
import { type Clean, single, validate } from './fake-moodle/params.js';
import { type PhpArray, parsePhpForm, stringParam, toPlain } from './fake-moodle/php-form.js';
import { ERROR_500_PAGE, MAINTENANCE_PAGE, phpJson, xmlBody } from './fake-moodle/render.js';
import {
  addCategory,
  addCourse,
  addEnrolment,
  addToken,
  addUser,
  createSite,
  type FakeMoodleEnrolmentFields,
  type FakeMoodleTokenOptions,
  setManualInstance,
} from './fake-moodle/site.js';
import {
  EXTENDED_SERVICE_FUNCTIONS,
  OTHER_INSTALLED_FUNCTIONS,
  RECORDED_SERVICE_FUNCTIONS,
  SITE_INFO_FUNCTIONS,
} from './fake-moodle/site-info.js';
import {
  ADMIN_ID,
  type FakeMoodleAssignGrade,
  type FakeMoodleAssignment,
  type FakeMoodleCategory,
  type FakeMoodleCourse,
  type FakeMoodleEnrolment,
  type FakeMoodleGradebook,
  type FakeMoodleRole,
  type FakeMoodleScale,
  type FakeMoodleUser,
  type FunctionDef,
  type ManualInstanceState,
} from './fake-moodle/state.js';
import { USER_FUNCTIONS } from './fake-moodle/users.js';

/**
 * A fake Moodle 5.1 REST web service on a real port, pinned to the recorded transcripts in
 * test/fixtures/moodle/ ("#N" refers to them: 1-74 transcripts-debug-off.md, 101-215
 * transcripts-courses-enrolments-grades.md). It answers HTTP 200 with Moodle's exception bodies, validates
 * parameters the way Moodle's external API does, and must never accept what real Moodle rejects. Where the
 * transcripts are silent, it follows Moodle's source and says so ("unverified"). The functions live in
 * fake-moodle/, one file per area; this file is the server and the handle tests hold.
 */

export type { FakeMoodleGrantOptions } from './fake-moodle/capabilities.js';
export { RESTRICTED_ASSIGNABLE_ROLES, RESTRICTED_CAPABILITIES } from './fake-moodle/capabilities.js';
export type { FakeMoodleAssignmentFields, FakeMoodleGradeOptions } from './fake-moodle/grading.js';
export type { FakeMoodleEnrolmentFields, FakeMoodleTokenOptions } from './fake-moodle/site.js';
export { EXTENDED_SERVICE_FUNCTIONS, RECORDED_SERVICE_FUNCTIONS } from './fake-moodle/site-info.js';
export type {
  FakeMoodleAssignGrade,
  FakeMoodleAssignment,
  FakeMoodleCategory,
  FakeMoodleCourse,
  FakeMoodleEnrolment,
  FakeMoodleGradebook,
  FakeMoodleRole,
  FakeMoodleScale,
  FakeMoodleUser,
  ManualInstanceState,
} from './fake-moodle/state.js';

export type FailureMode = 'network' | 'html503' | 'http500' | 'timeout';

export interface FakeMoodleOptions {
  /** The token given at start; random by default. More with `addToken()`. */
  token?: string;
  /** Site debugging on: exceptions carry `debuginfo` and missing records name their table (debug-on file). */
  debug?: boolean;
  /**
   * Functions in the tokens' external service; default: the extended service of the courses transcript
   * (EXTENDED_SERVICE_FUNCTIONS, #162). RECORDED_SERVICE_FUNCTIONS is the 17 of transcript #1.
   */
  allowedFunctions?: readonly string[];
  /** Installed auth plugins; default: Moodle 5.1 core plugins mzi may meet. */
  authPlugins?: string[];
  /**
   * The token belongs to this account, created with the site (a web-service user, DESIGN.md §11), instead of
   * the admin of transcript #1. Site info then names it. It has every capability unless `restricted`.
   */
  tokenUser?: Partial<FakeMoodleUser>;
  /**
   * The token's user holds role `txwsrole` of the courses transcript (section A; `txwsuser` unless
   * `tokenUser` says otherwise): `true` for its capabilities and assignable roles (student only), or an
   * object to change them.
   */
  restricted?: boolean | FakeMoodleGrantOptions;
  /** `sitename` in site info; the courses transcript's site is "Loopback Moodle" (#162). */
  siteName?: string;
  /** The site's clock in Unix seconds (UTC); default the real time. */
  now?: () => number;
  /**
   * The site cannot send mail: an enrolment into a course with a contact (an editing teacher) is committed,
   * then the call answers the exception "Message was not sent." (#149, #150). Off by default, as on a site
   * with working mail.
   */
  noMailTransport?: boolean;
  /** Roles beyond the standard eight (1 manager … 8 frontpage), e.g. a site's own teacher role. */
  roles?: (Partial<FakeMoodleRole> & { shortname: string })[];
}

export interface RecordedRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  contentType: string | undefined;
  /** The raw request body (it contains the token: do not print it). */
  rawBody: string;
  wsfunction: string | undefined;
  /** The parsed form (query + body, PHP-style nesting) without `wstoken`, `wsfunction` and format keys. */
  params: Record<string, unknown>;
  /** The failure injected for this request, if any. */
  failure?: FailureMode;
}

export interface FakeMoodle {
  /** Site root to give the client, e.g. `http://127.0.0.1:41234`. */
  url: string;
  token: string;
  /** The user table by id (deleted users stay, anonymised). Mutable for setup. */
  users: Map<number, FakeMoodleUser>;
  /** Course categories by id; category 1 "Category 1" exists from the start. */
  categories: Map<number, FakeMoodleCategory>;
  /** Courses by id (not the site course, id 1). */
  courses: Map<number, FakeMoodleCourse>;
  /** Manual enrolments: course id → user id → enrolment (roles held in the course, status, times). */
  enrolments: Map<number, Map<number, FakeMoodleEnrolment>>;
  /** Roles by id: the standard eight and the `roles` option's. */
  roles: Map<number, FakeMoodleRole>;
  requests: RecordedRequest[];
  /** Requests being handled right now, and the most ever seen at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The next `count` web-service requests fail this way (then normal service resumes). */
  failNext(count: number, mode: FailureMode): void;
  /** Answer every request after `ms` milliseconds (0 = immediately). */
  setDelay(ms: number): void;
  /** Inserts a user directly, as if created through Moodle's UI. */
  addUser(partial?: Partial<FakeMoodleUser>): FakeMoodleUser;
  /** Inserts a category (default parent: top level); later categories get the next ids. */
  addCategory(partial?: Partial<FakeMoodleCategory>): FakeMoodleCategory;
  /** Inserts a course as PHP's create_course() would (default category 1, enabled manual instance). */
  addCourse(partial?: Partial<FakeMoodleCourse>): FakeMoodleCourse;
  /** Disables or deletes (`none`, dropping its enrolments) the course's manual instance, or enables it. */
  setManualInstance(courseId: number, state: ManualInstanceState): void;
  /** Enrols a user as enrol_user() would, without checks; roles default to student (5). */
  addEnrolment(courseId: number, userId: number, fields?: FakeMoodleEnrolmentFields): FakeMoodleEnrolment;
  /** The user's enrolment in the course, if any. */
  enrolment(courseId: number, userId: number): FakeMoodleEnrolment | undefined;
  /** Another token on the same site, e.g. a restricted web-service user beside the admin's. */
  addToken(options?: FakeMoodleTokenOptions): { token: string; userId: number };
  /** A site scale; its words lowest first. A scale grade is the word's 1-based index (#192). */
  addScale(fields: { id?: number; name: string; items: string[] }): FakeMoodleScale;
  /**
   * The course's grade category and course total item (made with its first assignment otherwise); explicit
   * ids match a recorded site (#198: category 3, item 3).
   */
  addGradebook(courseId: number, ids?: { categoryid?: number; courseitemid?: number }): FakeMoodleGradebook;
  /** An assignment with its course module and grade item; `grade` is points, or minus a scale id (#203). */
  addAssignment(fields: FakeMoodleAssignmentFields): FakeMoodleAssignment;
  /** assign::save_grade(): upserts the attempt's grade row and the gradebook row (grade null stores -1). */
  grade(options: FakeMoodleGradeOptions): void;
  /** Reopens the user's submission: a new latest attempt, so get_grades stops returning the old grade. */
  addAttempt(assignmentId: number, userId: number): void;
  /** Deletes the assignment's course module with its grades, submissions and grade item. */
  deleteAssignment(id: number): void;
  /** The grade rows of `assign_grades`, for assertions. */
  readonly assignGrades: readonly FakeMoodleAssignGrade[];
  /** The user the start token belongs to (site info `userid`): the admin unless `tokenUser`/`restricted`. */
  readonly tokenUserId: number;
  close(): Promise<void>;
}

/**
 * Moodle 5.1 core auth plugins. Third-party ones (saml2) or plugins removed from core are not assumed; pass
 * `authPlugins` to model a site that has them.
 */
const DEFAULT_AUTH_PLUGINS = [
  'manual',
  'nologin',
  'email',
  'db',
  'ldap',
  'lti',
  'mnet',
  'none',
  'oauth2',
  'shibboleth',
  'webservice',
];

const ACCESS_DEBUGINFO = (wsfunction: string): string =>
  [
    `Access to the function ${wsfunction}() is not allowed.`,
    'There could be multiple reasons for this:',
    '1. The service linked to the user token does not contain the function.',
    '2. The service is user-restricted and the user is not listed.',
    '3. The service is IP-restricted and the user IP is not listed.',
    '4. The service is time-restricted and the time has expired.',
    '5. The token is time-restricted and the time has expired.',
    '6. The service requires a specific capability which the user does not have.',
    '7. The function is called with username/password (no user token is sent)',
    'and none of the services has the function to allow the user.',
    'These settings can be found in Administration > Site administration',
    '> Server > Web services > External services and Manage tokens.',
  ].join(`\n${' '.repeat(21)}`);

const FUNCTIONS: Record<string, FunctionDef> = {
  ...SITE_INFO_FUNCTIONS,
  ...USER_FUNCTIONS,
  ...CATEGORY_FUNCTIONS,
  ...COURSE_FUNCTIONS,
  ...COURSE_DETAIL_FUNCTIONS,
  ...ENROLMENT_FUNCTIONS,
  ...ENROLLED_USER_FUNCTIONS,
  ...ASSIGNMENT_FUNCTIONS,
  ...GRADE_REPORT_FUNCTIONS,
};

/** Starts a fake Moodle on 127.0.0.1, port 0. Close it when done. */
export async function startFakeMoodle(options: FakeMoodleOptions = {}): Promise<FakeMoodle> {
  const debug = options.debug ?? false;
  const allowedFunctions = [...(options.allowedFunctions ?? EXTENDED_SERVICE_FUNCTIONS)];
  const installed = new Set([
    ...RECORDED_SERVICE_FUNCTIONS,
    ...EXTENDED_SERVICE_FUNCTIONS,
    ...OTHER_INSTALLED_FUNCTIONS,
    ...allowedFunctions,
  ]);
  const site = createSite({
    debug,
    authPlugins: options.authPlugins ?? DEFAULT_AUTH_PLUGINS,
    siteName: options.siteName ?? 'Moodle Loopback Test',
    allowedFunctions,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    noMailTransport: options.noMailTransport ?? false,
    roles: options.roles ?? [],
  });
  const { env } = site;
  const requests: RecordedRequest[] = [];
  const held = new Set<ServerResponse>();
  let failures: { mode: FailureMode; left: number } | undefined;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  // The start token: the admin's (#1), or a web-service user's.
  const restricted = options.restricted ?? false;
  const start = addToken(site, {
    ...(options.token === undefined ? {} : { token: options.token }),
    user: options.tokenUser ?? (restricted ? {} : { id: ADMIN_ID }),
    restricted,
  });
  env.tokenUserId = start.userId;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-moodle');
    const rawBody = await readBody(req);
    if (url.pathname !== '/webservice/rest/server.php') {
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>Not found</body></html>');
      return;
    }

    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = (): void => {
      if (counted) inFlight -= 1;
      counted = false;
    };
    res.on('close', done);

    const contentType = req.headers['content-type'];
    const form = parsePhpForm(url.searchParams);
    // PHP fills $_POST only for form bodies: a JSON body is ignored, so its token is never seen (#5).
    if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      parsePhpForm(new URLSearchParams(rawBody), form);
    }
    const wsfunction = stringParam(form, 'wsfunction');
    const params = new Map(form);
    for (const key of [...params.keys()]) {
      if (
        ['wstoken', 'wsfunction', 'moodlewsrestformat'].includes(key) ||
        key.startsWith('moodlewssetting')
      ) {
        params.delete(key);
      }
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      contentType,
      rawBody,
      wsfunction,
      params: toPlain(params) as Record<string, unknown>,
    };
    requests.push(recorded);

    if (failures && failures.left > 0) {
      const { mode } = failures;
      failures.left -= 1;
      recorded.failure = mode;
      if (mode === 'network') {
        done();
        req.socket.destroy();
        return;
      }
      if (mode === 'timeout') {
        held.add(res); // never answered; the client gives up, or close() drops it
        res.on('close', () => held.delete(res));
        return;
      }
      await sleep(delayMs);
      done();
      if (mode === 'html503') {
        res
          .writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Retry-After': '60' })
          .end(MAINTENANCE_PAGE);
      } else {
        res.writeHead(500, { 'Content-Type': 'text/html; charset=utf-8' }).end(ERROR_500_PAGE);
      }
      return;
    }

    await sleep(delayMs);
    // The format may come from the query or the body (#4); anything but json means XML (#3, #54).
    const json = stringParam(form, 'moodlewsrestformat') === 'json';
    let result: unknown;
    let error: RenderedError | undefined;
    try {
      result = run(form, wsfunction, params);
    } catch (caught) {
      if (!(caught instanceof WsError)) throw caught;
      error = caught.render(debug);
    }
    done();
    if (json) {
      res.writeHead(200, { 'Content-type': 'application/json' }).end(phpJson(error ?? result));
    } else {
      res.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8' }).end(xmlBody(result, error));
    }
  }

  /** Moodle's order: token, its user's protocol right, function name, exists, in service, parameters (#49-#53). */
  function run(form: PhpArray, wsfunction: string | undefined, params: PhpArray): unknown {
    const caller = site.tokens.get(stringParam(form, 'wstoken') ?? '');
    if (!caller) throw invalidToken();
    requireRestUse(caller);
    if (!wsfunction) throw new InvalidParameter('Missing function name');
    if (!installed.has(wsfunction)) {
      throw missingRecord('external_functions', 'SELECT * FROM {external_functions} WHERE name = ?', [
        wsfunction,
      ]);
    }
    if (!allowedFunctions.includes(wsfunction)) {
      throw new WsError(
        'webservice_access_exception',
        'accessexception',
        'Access control exception',
        ACCESS_DEBUGINFO(wsfunction),
      );
    }
    const def = FUNCTIONS[wsfunction];
    if (!def) throw new Error(`fake Moodle does not implement ${wsfunction}`);
    const clean = validate(single(def.params), params, env) as Clean;
    return def.run(clean, env, caller);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A defect in the fake, not Moodle behaviour: make it loud.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`fake Moodle failure: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  env.siteUrl = url;

  return {
    url,
    token: start.token,
    users: env.users,
    categories: env.categories,
    courses: env.courses,
    enrolments: env.enrolments,
    roles: env.roles,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get tokenUserId() {
      return env.tokenUserId;
    },
    failNext(count, mode) {
      failures = { mode, left: count };
    },
    setDelay(ms) {
      delayMs = ms;
    },
    addUser: (partial) => addUser(site, partial),
    addCategory: (partial) => addCategory(site, partial),
    addCourse: (partial) => addCourse(site, partial),
    setManualInstance: (courseId, state) => setManualInstance(site, courseId, state),
    addEnrolment: (courseId, userId, fields) => addEnrolment(site, courseId, userId, fields),
    enrolment: (courseId, userId) => env.enrolments.get(courseId)?.get(userId),
    addToken: (tokenOptions) => addToken(site, tokenOptions),
    addScale: (fields) => addScale(env, fields),
    addGradebook: (courseId, ids) => addGradebook(env, courseId, ids),
    addAssignment: (fields) => addAssignment(env, fields),
    grade: (gradeOptions) => gradeAssignment(env, gradeOptions),
    addAttempt: (assignmentId, userId) => addAttempt(env, assignmentId, userId),
    deleteAssignment: (id) => deleteAssignment(env, id),
    get assignGrades() {
      return env.grades.grades;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
