import { requiredCapabilityException, WsError } from './errors.js';
import type { Caller, Env, FakeMoodleRole, Grant } from './state.js';

/**
 * Capabilities of the token's user. Only system-level grants are modelled (a role assigned at system context,
 * as the restricted user `txwsuser` of transcript section D has): the site admin has every capability.
 */

/** The capabilities of role `txwsrole` in section A, and only those. */
export const RESTRICTED_CAPABILITIES: readonly string[] = [
  'webservice/rest:use',
  'moodle/user:create',
  'moodle/user:update',
  'moodle/user:viewdetails',
  'moodle/user:viewalldetails',
  'moodle/course:create',
  'moodle/course:update',
  'moodle/course:view',
  'enrol/manual:enrol',
  'enrol/manual:unenrol',
  'moodle/course:enrolreview',
  'moodle/role:assign',
];

/** role_allow_assign of `txwsrole`: student only (section A, #163, #164). */
export const RESTRICTED_ASSIGNABLE_ROLES: readonly number[] = [5];

/** A role a test gives the token's user instead of site admin; omitted parts come from the `txwsrole` preset. */
export interface FakeMoodleGrantOptions {
  capabilities?: readonly string[];
  assignableRoles?: readonly number[];
}

export const FULL_GRANT: Grant = { capabilities: 'all', assignableRoles: 'all' };

export function restrictedGrant(options: FakeMoodleGrantOptions = {}): Grant {
  return {
    capabilities: new Set(options.capabilities ?? RESTRICTED_CAPABILITIES),
    assignableRoles: new Set(options.assignableRoles ?? RESTRICTED_ASSIGNABLE_ROLES),
  };
}

/** The capability descriptions required_capability_exception quotes (lang/en/role.php and plugins' lang files). */
const DESCRIPTIONS: Record<string, string> = {
  'moodle/category:manage': 'Manage course categories',
  'moodle/category:viewhiddencategories': 'View hidden categories',
  'moodle/course:changecategory': 'Change course category',
  'moodle/course:changefullname': 'Change course full name',
  'moodle/course:changeidnumber': 'Change course ID number',
  'moodle/course:changeshortname': 'Change course short name',
  'moodle/course:changesummary': 'Change course summary',
  'moodle/course:create': 'Create courses',
  'moodle/course:delete': 'Delete courses',
  'moodle/course:enrolreview': 'Review course enrolments',
  'moodle/course:setforcedlanguage': 'Force course language',
  'moodle/course:update': 'Update course settings',
  'moodle/course:view': 'View courses without participation',
  'moodle/course:viewhiddencourses': 'View hidden courses',
  'moodle/course:viewparticipants': 'View participants',
  'moodle/course:visibility': 'Hide/show courses',
  'moodle/role:assign': 'Assign roles to users',
  'moodle/role:review': 'Review permissions for others',
  'moodle/site:accessallgroups': 'Access all groups',
  'moodle/user:create': 'Create users',
  'moodle/user:delete': 'Delete users',
  'moodle/user:update': 'Update user profiles',
  'moodle/user:viewalldetails': 'View user full information',
  'moodle/user:viewdetails': 'View user profiles',
  'enrol/manual:enrol': 'Enrol users',
  'enrol/manual:unenrol': 'Unenrol users from the course',
  'webservice/rest:use': 'Use REST protocol',
  // Unverified: gradereport_user's and core's lang strings, no transcript quotes them.
  'gradereport/user:view': 'View your own grade report',
  'moodle/grade:viewall': 'View grades of other users',
};

export function has(caller: Caller, capability: string): boolean {
  const { capabilities } = caller.grant;
  return capabilities === 'all' || capabilities.has(capability);
}

/** require_capability(): `required_capability_exception` quoting the capability's description (#169). */
export function requireCapability(caller: Caller, capability: string): void {
  if (has(caller, capability)) return;
  const description = DESCRIPTIONS[capability];
  if (description === undefined) throw new Error(`fake Moodle: no description for ${capability}`);
  throw requiredCapabilityException(description);
}

/**
 * The REST server's own check before any function runs. Unverified: webservice_access_exception with this
 * debuginfo (webservice/lib.php, authenticate_user).
 */
export function requireRestUse(caller: Caller): void {
  if (has(caller, 'webservice/rest:use')) return;
  throw new WsError(
    'webservice_access_exception',
    'accessexception',
    'Access control exception',
    'You are not allowed to use the rest protocol (missing capability: webservice/rest:use)',
  );
}

/** get_assignable_roles() in a course: roles assignable there that the caller may assign (#152, #164). */
export function canAssign(caller: Caller, env: Env, roleId: number): boolean {
  const role = env.roles.get(roleId);
  if (!role?.courseAssignable || !has(caller, 'moodle/role:assign')) return false;
  const { assignableRoles } = caller.grant;
  return assignableRoles === 'all' || assignableRoles.has(roleId);
}

/** The roles of a fresh Moodle 5.1, by id. */
export const STANDARD_ROLES: readonly FakeMoodleRole[] = [
  { id: 1, shortname: 'manager', archetype: 'manager', courseAssignable: true },
  { id: 2, shortname: 'coursecreator', archetype: 'coursecreator', courseAssignable: false },
  { id: 3, shortname: 'editingteacher', archetype: 'editingteacher', courseAssignable: true },
  { id: 4, shortname: 'teacher', archetype: 'teacher', courseAssignable: true },
  { id: 5, shortname: 'student', archetype: 'student', courseAssignable: true },
  { id: 6, shortname: 'guest', archetype: 'guest', courseAssignable: false },
  { id: 7, shortname: 'user', archetype: 'user', courseAssignable: false },
  { id: 8, shortname: 'frontpage', archetype: 'frontpage', courseAssignable: false },
].map((role) => ({ ...role, name: '', sortorder: role.id }));

/**
 * What a role grants inside a course, for `withcapability` and completion tracking: a subset of the
 * archetypes' defaults (lib/db/access.php). The manager archetype has everything; a capability not listed here
 * is granted by no other role.
 */
const ARCHETYPE_CAPABILITIES: Record<string, readonly string[]> = {
  editingteacher: [
    'moodle/course:update',
    'moodle/course:viewhiddencourses',
    'moodle/course:viewparticipants',
    'moodle/course:enrolreview',
    'moodle/course:markcomplete',
    'moodle/course:managegroups',
    'moodle/site:accessallgroups',
    'moodle/role:assign',
    'moodle/grade:viewall',
    'moodle/grade:edit',
    'enrol/manual:enrol',
    'enrol/manual:unenrol',
    'mod/assign:grade',
  ],
  teacher: [
    'moodle/course:viewhiddencourses',
    'moodle/course:viewparticipants',
    'moodle/course:markcomplete',
    'moodle/site:accessallgroups',
    'moodle/grade:viewall',
    'mod/assign:grade',
  ],
  student: [
    'moodle/course:viewparticipants',
    'moodle/course:isincompletionreports',
    'moodle/grade:view',
    'mod/assign:view',
    'mod/assign:submit',
  ],
};

export function roleGrants(role: FakeMoodleRole | undefined, capability: string): boolean {
  if (!role) return false;
  // Managers may do everything but are not learners: completion reports leave them out.
  if (role.archetype === 'manager') return capability !== 'moodle/course:isincompletionreports';
  return ARCHETYPE_CAPABILITIES[role.archetype]?.includes(capability) ?? false;
}
