import { createHash } from 'node:crypto';
import { multiple, value } from './params.js';
import {
  ADMIN_ID,
  type Caller,
  type Env,
  type FakeMoodleUser,
  type FunctionDef,
  IMAGE_PATH,
} from './state.js';

/** core_webservice_get_site_info and the external services it lists. */

/** The service `loopback_rest` as transcript #1 (transcripts-debug-off.md) recorded it, in its order. */
export const RECORDED_SERVICE_FUNCTIONS: readonly string[] = [
  'core_webservice_get_site_info',
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
  'core_user_get_users_by_field',
  'core_user_get_users',
  'enrol_manual_enrol_users',
  'enrol_manual_unenrol_users',
  'core_course_get_courses',
  'core_course_create_courses',
  'core_enrol_get_enrolled_users',
  'core_course_get_courses_by_field',
  'core_course_delete_courses',
  'core_course_get_categories',
  'core_enrol_get_users_courses',
  'core_role_assign_roles',
  'core_role_unassign_roles',
];

/**
 * The service extended for courses, enrolments, groups and grades (section A of
 * transcripts-courses-enrolments-grades.md), in the order #162 lists it. It has no core_role_* functions.
 */
export const EXTENDED_SERVICE_FUNCTIONS: readonly string[] = [
  'core_webservice_get_site_info',
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
  'core_user_get_users',
  'core_user_get_users_by_field',
  'enrol_manual_enrol_users',
  'enrol_manual_unenrol_users',
  'core_course_get_courses',
  'core_course_get_courses_by_field',
  'core_course_create_courses',
  'core_enrol_get_enrolled_users',
  'core_enrol_get_users_courses',
  'core_group_create_groups',
  'core_group_add_group_members',
  'core_group_get_course_groups',
  'core_course_update_courses',
  'core_course_create_categories',
  'core_course_get_categories',
  'core_course_delete_courses',
  'core_enrol_get_course_enrolment_methods',
  'core_group_delete_group_members',
  'mod_assign_get_assignments',
  'mod_assign_get_grades',
  'mod_assign_get_submissions',
  'gradereport_user_get_grade_items',
  'core_completion_get_course_completion_status',
  'core_grades_get_gradeitems',
];

/** Functions that exist on the site (its external_functions table) though not in the service (#50). */
export const OTHER_INSTALLED_FUNCTIONS: readonly string[] = [
  'core_course_get_contents',
  'core_user_get_course_user_profiles',
];

/** The site features #1 and #162 report; a fresh 5.1 site's defaults. */
const ADVANCED_FEATURES = [
  ['usecomments', 1],
  ['usetags', 1],
  ['enablenotes', 1],
  ['messaging', 1],
  ['enableblogs', 1],
  ['enablecompletion', 1],
  ['enablebadges', 1],
  ['messagingallusers', 0],
  ['enablecustomreports', 1],
  ['enableglobalsearch', 0],
  ['mnet_dispatcher_mode', 0],
  ['enablecompetencies', 1],
].map(([name, setting]) => ({ name, value: setting }));

/** The version each function reports: plugins have their own (#1). */
function functionVersion(name: string): string {
  return /^(enrol_manual|mod_assign|gradereport_user)_/.test(name) ? '2025100600' : '2025100600.02';
}

function siteInfo(env: Env, caller: Caller): Record<string, unknown> {
  const user = env.users.get(caller.userId) as FakeMoodleUser;
  const admin = user.id === ADMIN_ID;
  return {
    sitename: env.siteName,
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    fullname: `${user.firstname} ${user.lastname}`,
    lang: user.lang,
    userid: user.id,
    siteurl: env.siteUrl,
    userpictureurl: `${env.siteUrl}${IMAGE_PATH}/f1`,
    // The service's functions whoever the user is: the service is not limited to authorised users (#162).
    functions: env.allowedFunctions.map((name) => ({ name, version: functionVersion(name) })),
    downloadfiles: 0,
    uploadfiles: 0,
    release: '5.1+ (Build: 20251017)',
    version: '2025100600.02',
    mobilecssurl: '',
    advancedfeatures: ADVANCED_FEATURES,
    usercanmanageownfiles: true,
    // The admin has no quota; other users get the site's defaults (#1 vs #162).
    userquota: admin ? 0 : 104857600,
    usermaxuploadfilesize: admin ? -1 : 2097152,
    userhomepage: 1,
    // A per-user secret in Moodle; the recordings replace it with PRIVATEKEY.
    userprivateaccesskey: createHash('md5').update(`private-${user.id}`).digest('hex'),
    siteid: 1,
    sitecalendartype: 'gregorian',
    usercalendartype: 'gregorian',
    // is_siteadmin() of the token's user (#1: true for admin, #162: false for txwsuser).
    userissiteadmin: admin,
    theme: 'boost',
    limitconcurrentlogins: 0,
    policyagreed: 0,
  };
}

export const SITE_INFO_FUNCTIONS: Record<string, FunctionDef> = {
  core_webservice_get_site_info: {
    params: { serviceshortnames: multiple(value('alphanumext'), { default: [] }) },
    run: (_params, env, caller) => siteInfo(env, caller),
  },
};
