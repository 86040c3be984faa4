/**
 * The capability each function needs of the web-service user, from the function's declaration in Moodle
 * (lib/db/services.php). Moodle's `nopermissions` message gives only the capability's description, e.g.
 * "(Delete users)" (transcript 169), not the name an administrator searches for on the role page.
 */
const CAPABILITIES: Readonly<Record<string, string>> = {
  core_user_create_users: 'moodle/user:create',
  core_user_update_users: 'moodle/user:update',
  core_user_delete_users: 'moodle/user:delete',
};

/**
 * What an administrator does about a missing capability (`nopermissions`, a required_capability_exception or
 * a warning), or undefined for any other error code.
 */
export function missingCapabilityAdvice(wsfunction: string, errorcode: string): string | undefined {
  if (errorcode !== 'nopermissions') return undefined;
  const capability = CAPABILITIES[wsfunction];
  const what = capability
    ? `the capability ${capability}`
    : `the capability of ${wsfunction} that Moodle's message describes`;
  return `The role of mzi's web-service user lacks ${what}: allow it in Site administration > Users > Permissions > Define roles (edit that role), then retry this event.`;
}
