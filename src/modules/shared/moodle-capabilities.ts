/**
 * Moodle names a missing capability only by its description, in parentheses at the end of a `nopermissions`
 * message: "Sorry, but you do not currently have permissions to do that (Hide/show courses)." (transcripts 168,
 * 169). Operators grant capabilities by name, so these are the descriptions (lang/en/role.php and the enrol
 * plugins' language files) of the capabilities the web services mzi calls check.
 */
const CAPABILITIES_BY_DESCRIPTION: Readonly<Record<string, string>> = {
  'hide/show courses': 'moodle/course:visibility',
  'view hidden courses': 'moodle/course:viewhiddencourses',
  'update course settings': 'moodle/course:update',
  'create courses': 'moodle/course:create',
  'delete courses': 'moodle/course:delete',
  'change course full name': 'moodle/course:changefullname',
  'change course short name': 'moodle/course:changeshortname',
  'change course id number': 'moodle/course:changeidnumber',
  'change course category': 'moodle/course:changecategory',
  'change course summary': 'moodle/course:changesummary',
  'review course enrolments': 'moodle/course:enrolreview',
  'view participants': 'moodle/course:viewparticipants',
  'manage course categories': 'moodle/category:manage',
  'enrol users': 'enrol/manual:enrol',
  'unenrol users from the course': 'enrol/manual:unenrol',
  'assign roles to users': 'moodle/role:assign',
  'create users': 'moodle/user:create',
  'update user profiles': 'moodle/user:update',
  'delete users': 'moodle/user:delete',
};

/** The capability a `nopermissions` message is about: its name when known, and the words Moodle used. */
export interface MissingCapability {
  /** e.g. `moodle/course:visibility`; undefined for a description mzi does not know. */
  readonly name: string | undefined;
  /** Moodle's description, e.g. "Hide/show courses"; undefined when the message has none. */
  readonly description: string | undefined;
}

/** Reads the missing capability out of a Moodle `nopermissions` message. */
export function missingCapability(message: string): MissingCapability {
  const match = /\(([^()]+)\)\.?\s*$/.exec(message.trim());
  const description = match?.[1]?.trim();
  return {
    name: description ? CAPABILITIES_BY_DESCRIPTION[description.toLowerCase()] : undefined,
    description,
  };
}

/** "moodle/course:visibility (Hide/show courses)", or the best of the two that is known. */
export function describeCapability(capability: MissingCapability, fallback: string): string {
  if (capability.name && capability.description) return `${capability.name} (${capability.description})`;
  return capability.name ?? (capability.description ? `"${capability.description}"` : fallback);
}

/** Where an administrator grants a capability to the web-service user. */
export const GRANT_CAPABILITY_PAGE =
  "Site administration > Users > Permissions > Define roles: edit the web-service user's role";
