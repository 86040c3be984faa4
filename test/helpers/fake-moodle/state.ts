import type { Clean, Desc } from './params.js';

/** The fake site's tables and the shapes its functions share. */

/** A row of the fake `user` table. Strings are '' when empty, as in Moodle's database. */
export interface FakeMoodleUser {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  auth: string;
  suspended: boolean;
  deleted: boolean;
  confirmed: boolean;
  /** As sent on create or update (createpassword leaves it ''); kept for assertions. */
  password: string;
  idnumber: string;
  department: string;
  institution: string;
  phone1: string;
  phone2: string;
  address: string;
  interests: string;
  city: string;
  country: string;
  lang: string;
  calendartype: string;
  theme: string;
  timezone: string;
  mailformat: number;
  maildisplay: number;
  trackforums: number;
  description: string;
  descriptionformat: number;
  middlename: string;
  alternatename: string;
  firstnamephonetic: string;
  lastnamephonetic: string;
  firstaccess: number;
  lastaccess: number;
}

/** A row of `course_categories`. `idnumber` is null when none was ever set, as Moodle returns it (#102). */
export interface FakeMoodleCategory {
  id: number;
  name: string;
  idnumber: string | null;
  description: string;
  descriptionformat: number;
  parent: number;
  sortorder: number;
  visible: number;
  visibleold: number;
  timemodified: number;
  depth: number;
  path: string;
  theme: string;
}

/**
 * The course's manual enrolment instance: every new course gets an enabled one (#112, #131); PHP can delete
 * (#153) or disable (#154) it.
 */
export type ManualInstanceState = 'enabled' | 'disabled' | 'none';

/** A row of `course` (the site course, id 1, is not one: see SITE_COURSE_ID) plus what mzi tests look at. */
export interface FakeMoodleCourse {
  id: number;
  fullname: string;
  shortname: string;
  idnumber: string;
  categoryid: number;
  summary: string;
  summaryformat: number;
  format: string;
  showgrades: number;
  newsitems: number;
  startdate: number;
  enddate: number;
  maxbytes: number;
  showreports: number;
  visible: number;
  groupmode: number;
  groupmodeforce: number;
  defaultgroupingid: number;
  enablecompletion: number;
  completionnotify: number;
  lang: string;
  theme: string;
  marker: number;
  showactivitydates: boolean;
  showcompletionconditions: boolean;
  sortorder: number;
  timecreated: number;
  timemodified: number;
  cacherev: number;
  manual: ManualInstanceState;
  /** The user whose call created it (can_delete_course lets a creator delete it for 24 hours, #170). */
  createdBy: number;
}

/** A user's enrolment through the course's manual instance and the roles they hold in the course. */
export interface FakeMoodleEnrolment {
  roles: Set<number>;
  /** user_enrolments.status: 0 active, 1 suspended (`suspend=1`, #139). */
  status: 0 | 1;
  timestart: number;
  timeend: number;
}

/** A row of `role`. Standard roles have an empty `name` (Moodle localises it on display, #133). */
export interface FakeMoodleRole {
  id: number;
  shortname: string;
  name: string;
  /** Orders a user's roles in a course (#151); the standard roles' equals their id on a fresh site. */
  sortorder: number;
  /** The standard role it was built from ('' for none): decides the capabilities it grants in courses. */
  archetype: string;
  /** Whether it may be assigned in a course context (coursecreator, guest, user and frontpage may not). */
  courseAssignable: boolean;
}

/** What a token's user may do at system level: `all` for the site admin (and a tokenUser without a role). */
export interface Grant {
  capabilities: 'all' | ReadonlySet<string>;
  /** Role ids the user may assign in courses (role_allow_assign), on top of having moodle/role:assign. */
  assignableRoles: 'all' | ReadonlySet<number>;
}

/** The user a request's token belongs to. */
export interface Caller {
  userId: number;
  grant: Grant;
}

/** A row of `scale`: `items` are its words, lowest first; a grade on it is the 1-based index (#192, #198). */
export interface FakeMoodleScale {
  id: number;
  name: string;
  items: string[];
}

/**
 * A row of `assign` and its course module. `grade` > 0 is the maximum in points, < 0 is minus the scale id,
 * 0 is no grade (#203). `gradeitemid` is its gradebook item's id (#198).
 */
export interface FakeMoodleAssignment {
  id: number;
  cmid: number;
  course: number;
  name: string;
  grade: number;
  intro: string;
  duedate: number;
  timemodified: number;
  gradeitemid: number;
}

/** A row of `assign_grades`: one per user and attempt. `grade` -1 is a row that holds no grade. */
export interface FakeMoodleAssignGrade {
  id: number;
  assignment: number;
  userid: number;
  attemptnumber: number;
  timecreated: number;
  timemodified: number;
  grader: number;
  grade: number;
}

/** A user's row of `grade_grades` for an assignment's item, as assign pushes it to the gradebook. */
export interface FakeMoodleGradebookGrade {
  /** null: no grade (an assign grade of -1). For a scale, the item index. */
  graderaw: number | null;
  /** HTML; '' when the grader wrote none. */
  feedback: string;
  timemodified: number;
}

/** A course's gradebook: its top grade category, which is also the course total item's instance (#198). */
export interface FakeMoodleGradebook {
  categoryid: number;
  courseitemid: number;
}

/** Assignments, their grades and the gradebook (section F of the courses transcript). */
export interface GradeTables {
  scales: Map<number, FakeMoodleScale>;
  assignments: Map<number, FakeMoodleAssignment>;
  grades: FakeMoodleAssignGrade[];
  /** `${assignment}:${userid}` → the attemptnumber of the latest submission (assign_submission.latest = 1). */
  latestAttempt: Map<string, number>;
  /** `${assignment}:${userid}` → the gradebook row of that assignment's item. */
  gradebook: Map<string, FakeMoodleGradebookGrade>;
  /** courseId → its gradebook, made with the course's first graded activity. */
  courseGradebooks: Map<number, FakeMoodleGradebook>;
  /** Sequences of scale, assign, course_modules, assign_grades, grade_items and grade_categories ids. */
  next: {
    scale: number;
    assignment: number;
    cm: number;
    grade: number;
    gradeItem: number;
    gradeCategory: number;
  };
}

export interface Env {
  debug: boolean;
  authPlugins: string[];
  siteName: string;
  siteUrl: string;
  allowedFunctions: string[];
  /** The user of the token given at start (`FakeMoodle.token`). */
  tokenUserId: number;
  /** Unix seconds; the site's clock (UTC). */
  now: () => number;
  /** The manual plugin's welcome message fails after the commit when the course has a contact (#149). */
  noMailTransport: boolean;
  users: Map<number, FakeMoodleUser>;
  categories: Map<number, FakeMoodleCategory>;
  courses: Map<number, FakeMoodleCourse>;
  /** courseId → userId → enrolment. */
  enrolments: Map<number, Map<number, FakeMoodleEnrolment>>;
  roles: Map<number, FakeMoodleRole>;
  grades: GradeTables;
  /** Sequences: a rolled-back insert still consumes its id, as a database sequence does (#72, #111). */
  nextId: () => number;
  nextCategoryId: () => number;
  nextCourseId: () => number;
}

export interface FunctionDef {
  params: Record<string, Desc>;
  run: (params: Clean, env: Env, caller: Caller) => unknown;
}

/** The site course: it exists in every Moodle but is not one of `courses` (only delete_courses meets it, #211). */
export const SITE_COURSE_ID = 1;
export const GUEST_ID = 1;
export const ADMIN_ID = 2;

/** Theme revision in picture URLs; every recorded site has its own, so tests compare it loosely. */
export const IMAGE_PATH = '/theme/image.php/boost/core/1795898698/u';
