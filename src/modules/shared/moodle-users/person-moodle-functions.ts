import type { MoodleFunctionName } from '../../../moodle/create-moodle-client.js';

/** The web-service functions provisioning people (students, teachers) as Moodle users calls. */
export const PERSON_MOODLE_FUNCTIONS: readonly MoodleFunctionName[] = [
  'core_webservice_get_site_info',
  'core_user_get_users_by_field',
  'core_user_get_users',
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
];
