import { randomBytes } from 'node:crypto';
import { type FakeMoodleGrantOptions, FULL_GRANT, restrictedGrant, STANDARD_ROLES } from './capabilities.js';
import { insertCategory } from './categories.js';
import { insertCourse } from './courses.js';
import { enrolUser } from './enrolments.js';
import {
  ADMIN_ID,
  type Caller,
  type Env,
  type FakeMoodleCategory,
  type FakeMoodleCourse,
  type FakeMoodleEnrolment,
  type FakeMoodleRole,
  type FakeMoodleUser,
  GUEST_ID,
  type ManualInstanceState,
} from './state.js';
import { newUser } from './users.js';

/** The fake site's state, and the test-only ways to change it "with PHP", as the transcripts' setup did. */

const FIRST_NEW_USER_ID = 100;

/** A token for a user: an existing user by `user.id`, else a new account from `user`. */
export interface FakeMoodleTokenOptions {
  /** Random by default. */
  token?: string;
  user?: Partial<FakeMoodleUser>;
  /**
   * The user holds a system role instead of being all-powerful: `true` gives `txwsrole` of the courses
   * transcript (section A), an object changes its capabilities or assignable roles. Default: every capability.
   */
  restricted?: boolean | FakeMoodleGrantOptions;
}

export interface FakeMoodleEnrolmentFields {
  roles?: number[];
  status?: 0 | 1;
  timestart?: number;
  timeend?: number;
}

export interface SiteSettings {
  debug: boolean;
  authPlugins: string[];
  siteName: string;
  allowedFunctions: string[];
  now: () => number;
  noMailTransport: boolean;
  roles: (Partial<FakeMoodleRole> & { shortname: string })[];
}

/** A site's tables and sequences, and the tokens that open it. */
export interface Site {
  env: Env;
  tokens: Map<string, Caller>;
  /** Next ids, bumped past explicit ids given by tests. */
  sequences: { user: number; category: number; course: number };
}

export function createSite(settings: SiteSettings): Site {
  const sequences = { user: FIRST_NEW_USER_ID, category: 2, course: 2 };
  const take = (name: keyof typeof sequences) => (): number => {
    const id = sequences[name];
    sequences[name] += 1;
    return id;
  };
  const env: Env = {
    ...settings,
    siteUrl: '',
    tokenUserId: ADMIN_ID,
    users: new Map(),
    categories: new Map(),
    courses: new Map(),
    enrolments: new Map(),
    roles: new Map(STANDARD_ROLES.map((role) => [role.id, { ...role }])),
    grades: {
      scales: new Map(),
      assignments: new Map(),
      grades: [],
      latestAttempt: new Map(),
      gradebook: new Map(),
      courseGradebooks: new Map(),
      // A fresh site has the standard scale 1 (Separate and Connected ways of knowing).
      next: { scale: 2, assignment: 1, cm: 1, grade: 1, gradeItem: 1, gradeCategory: 1 },
    },
    nextId: take('user'),
    nextCategoryId: take('category'),
    nextCourseId: take('course'),
  };
  for (const role of settings.roles) addRole(env, role);
  // The two accounts every site has (#15), and its default category (#55, #102).
  env.users.set(
    GUEST_ID,
    newUser(GUEST_ID, {
      username: 'guest',
      firstname: 'Guest user',
      lastname: ' ',
      email: 'root@localhost',
      description: 'This user is a special user that allows read-only access to some courses.',
    }),
  );
  env.users.set(
    ADMIN_ID,
    newUser(ADMIN_ID, {
      username: 'admin',
      firstname: 'Admin',
      lastname: 'User',
      email: 'admin@example.com',
    }),
  );
  insertCategory(env, { id: 1, name: 'Category 1' });
  return { env, tokens: new Map(), sequences };
}

function addRole(env: Env, fields: Partial<FakeMoodleRole> & { shortname: string }): FakeMoodleRole {
  const id = fields.id ?? Math.max(...env.roles.keys()) + 1;
  const role: FakeMoodleRole = {
    name: fields.shortname,
    sortorder: id,
    archetype: '',
    courseAssignable: true,
    ...fields,
    id,
  };
  env.roles.set(id, role);
  return role;
}

/** Adds a token; its user is `user.id` if that user exists, else a new account (txwsuser when restricted). */
export function addToken(
  site: Site,
  options: FakeMoodleTokenOptions = {},
): { token: string; userId: number } {
  const { env } = site;
  const token = options.token ?? randomBytes(16).toString('hex');
  if (site.tokens.has(token)) throw new Error('fake Moodle: that token already exists');
  const restricted = options.restricted ?? false;
  let user = options.user?.id === undefined ? undefined : env.users.get(options.user.id);
  if (!user) {
    const defaults = restricted
      ? { username: 'txwsuser', firstname: 'Tx', lastname: 'WsUser' }
      : { username: 'mziws', firstname: 'Web', lastname: 'Service' };
    user = addUser(site, { ...defaults, ...options.user });
  }
  const grant = restricted ? restrictedGrant(restricted === true ? {} : restricted) : FULL_GRANT;
  site.tokens.set(token, { userId: user.id, grant });
  return { token, userId: user.id };
}

export function addUser(site: Site, partial: Partial<FakeMoodleUser> = {}): FakeMoodleUser {
  const id = partial.id ?? site.env.nextId();
  if (site.env.users.has(id)) throw new Error(`fake Moodle: user id ${id} already exists`);
  const user = newUser(id, partial);
  site.env.users.set(id, user);
  return user;
}

export function addCategory(site: Site, partial: Partial<FakeMoodleCategory> = {}): FakeMoodleCategory {
  const category = insertCategory(site.env, partial);
  site.sequences.category = Math.max(site.sequences.category, category.id + 1);
  return category;
}

/** A course as if made with PHP's create_course(): no permission checks, Moodle's defaults, unique names. */
export function addCourse(site: Site, partial: Partial<FakeMoodleCourse> = {}): FakeMoodleCourse {
  for (const other of site.env.courses.values()) {
    if (partial.shortname !== undefined && other.shortname === partial.shortname) {
      throw new Error(`fake Moodle: shortname ${partial.shortname} is taken by course ${other.id}`);
    }
    if (partial.idnumber && other.idnumber === partial.idnumber) {
      throw new Error(`fake Moodle: idnumber ${partial.idnumber} is taken by course ${other.id}`);
    }
  }
  const course = insertCourse(site.env, partial);
  site.sequences.course = Math.max(site.sequences.course, course.id + 1);
  return course;
}

/** Deletes (with its enrolments, as delete_instance() does) or disables the course's manual instance. */
export function setManualInstance(site: Site, courseId: number, state: ManualInstanceState): void {
  const course = site.env.courses.get(courseId);
  if (!course) throw new Error(`fake Moodle: no course ${courseId}`);
  course.manual = state;
  if (state === 'none') site.env.enrolments.delete(courseId);
}

/** Enrols a user through the manual instance, as enrol_user() would, without any check. */
export function addEnrolment(
  site: Site,
  courseId: number,
  userId: number,
  fields: FakeMoodleEnrolmentFields = {},
): FakeMoodleEnrolment {
  const { env } = site;
  const course = env.courses.get(courseId);
  if (!course || course.manual === 'none')
    throw new Error(`fake Moodle: no manual instance in course ${courseId}`);
  if (!env.users.has(userId)) throw new Error(`fake Moodle: no user ${userId}`);
  const { roles = [5], ...times } = fields;
  const enrolment = enrolUser(env, courseId, userId, times);
  for (const role of roles) enrolment.roles.add(role);
  return enrolment;
}
