import type { ModuleCheck } from '../zoho-module.js';
import type { EnrollmentSettings } from './enrollment-settings.js';

/** What `mzi doctor` says enrollments do in Moodle, so an administrator can compare it with the site's roles. */
export function enrolmentPolicyCheck(settings: EnrollmentSettings): ModuleCheck {
  const statuses = settings.suspendStatuses.length > 0 ? settings.suspendStatuses.join(', ') : 'none';
  return {
    name: 'moodle enrolments',
    status: 'ok',
    detail: `students are enrolled with role ${settings.studentRoleId} (MOODLE_STUDENT_ROLE_ID), dated in ${settings.timeZone}; the statuses ${statuses} suspend an enrolment; a deleted enrollment is ${settings.onUnenrol === 'unenrol' ? 'unenrolled' : 'suspended'} (MOODLE_ON_UNENROL)`,
  };
}
