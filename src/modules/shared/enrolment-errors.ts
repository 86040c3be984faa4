import { MoodleError, MoodleException } from '../../moodle/moodle-errors.js';

/** One enrolment mzi asked Moodle for, in the words an operator reads in an event's error_message. */
export interface EnrolmentSubject {
  /** The Zoho record whose event this is: `enrollment 5725… (student 5725…, class 5725…)`. */
  readonly record: string;
  /** Who is (un)enrolled: `student 5725… (Moodle user 808)`. */
  readonly user: string;
  readonly userId: number;
  readonly courseId: number;
  /** The role asked for; unenrolments name none. */
  readonly roleId?: number | undefined;
  /** The setting that holds `roleId`, named when Moodle refuses the role: `MOODLE_STUDENT_ROLE_ID`. */
  readonly roleSetting?: string | undefined;
}

/** What a refused call means for one enrolment: stored after all (with a warning), or failed. */
export type EnrolmentFailure =
  | { readonly committed: true; readonly warning: string }
  | { readonly committed: false; readonly error: unknown };

/**
 * Moodle's errorcode when it could not send an enrolment's welcome message, which it does after storing the
 * enrolment (transcripts 149, 150): a success the operator should hear about.
 */
export const MESSAGE_NOT_SENT = 'Message was not sent.';

/** True for the exception Moodle throws after storing an enrolment whose welcome message it could not send. */
export function isMessageNotSent(error: unknown): boolean {
  return error instanceof MoodleException && error.errorcode === MESSAGE_NOT_SENT;
}

/** Where an administrator grants a capability to the web-service user. */
const DEFINE_ROLES =
  "Site administration > Users > Permissions > Define roles: edit the web-service user's role";

/**
 * Moodle names a missing capability by its description only (169); these are the descriptions (lang/en) of the
 * capabilities the enrolment functions check.
 */
const CAPABILITIES: Readonly<Record<string, string>> = {
  'enrol users': 'enrol/manual:enrol',
  'unenrol users from the course': 'enrol/manual:unenrol',
  'assign roles to users': 'moodle/role:assign',
  'view hidden courses': 'moodle/course:viewhiddencourses',
  'view courses without participation': 'moodle/course:view',
};

/**
 * Explains a refused `enrol_manual_enrol_users` / `enrol_manual_unenrol_users` call for one enrolment: each
 * refusal an administrator can fix gets a message naming the Zoho record, the Moodle user, course and role, and
 * the page or setting that fixes it. Other errors (transport failures, retried) come back as they are. Call it
 * for an enrolment sent alone: a batch is all or nothing (156) and names only its first bad item.
 */
export function explainEnrolmentFailure(
  error: unknown,
  subject: EnrolmentSubject,
  action: 'enrol' | 'unenrol',
): EnrolmentFailure {
  if (!(error instanceof MoodleException)) return { committed: false, error };
  if (action === 'enrol' && error.errorcode === MESSAGE_NOT_SENT) {
    return {
      committed: true,
      warning: `Moodle enrolled ${subject.user} in course ${subject.courseId}, then could not send the course's welcome message ("${MESSAGE_NOT_SENT}"): the site cannot send mail. The enrolment is stored. Set up Site administration > Server > Email > Outgoing mail configuration, or turn the welcome message off in the course's Manual enrolments method.`,
    };
  }
  const explained = explanation(error, subject, action);
  if (explained === undefined) return { committed: false, error };
  return {
    committed: false,
    error: new MoodleError(
      `moodle.${explained.code}`,
      `${explained.message} (Moodle: ${error.moodleMessage})`,
      {
        retryable: error.retryable,
        wsfunction: error.wsfunction,
        cause: error,
      },
    ),
  };
}

function explanation(
  error: MoodleException,
  subject: EnrolmentSubject,
  action: 'enrol' | 'unenrol',
): { code: string; message: string } | undefined {
  const { userId, courseId } = subject;
  const failed = `Could not ${action === 'enrol' ? `enrol ${subject.user} in` : `unenrol ${subject.user} from`} Moodle course ${courseId} for ${subject.record}`;
  const role = subject.roleId === undefined ? 'the role' : `role ${subject.roleId}`;
  switch (error.errorcode) {
    case 'wsnoinstance':
      return {
        code: 'wsnoinstance',
        message: `${failed}: the course has no enabled manual enrolment method. In Moodle, open course ${courseId} > Participants > Enrolment methods and add "Manual enrolments", or enable it (eye icon); then retry this event.`,
      };
    case 'wsusercannotassign':
      return {
        code: 'wsusercannotassign',
        message: `${failed}: Moodle refused ${role}. Either ${role} does not exist on this site (check ${subject.roleSetting ?? 'the role setting'}; Site administration > Users > Permissions > Define roles lists the roles, a fresh site has editingteacher 3 and student 5), or the web-service user may not assign it: Site administration > Users > Permissions > Define roles > Allow role assignments, allow the web-service user's role to assign ${role}. Then retry this event.`,
      };
    case 'requireloginerror':
      return {
        code: 'requireloginerror',
        message: `${failed}: the course is hidden and the web-service user lacks moodle/course:viewhiddencourses. Show the course (its class must be live in Zoho, see MOODLE_ON_CLASS_DELETE), or grant moodle/course:viewhiddencourses (${DEFINE_ROLES}); then retry this event.`,
      };
    case 'nopermissions': {
      const description = /\(([^()]+)\)\.?\s*$/.exec(error.moodleMessage.trim())?.[1]?.trim();
      const known = description ? CAPABILITIES[description.toLowerCase()] : undefined;
      const capability = known
        ? `${known} (${description})`
        : description
          ? `"${description}"`
          : action === 'enrol'
            ? 'enrol/manual:enrol'
            : 'enrol/manual:unenrol';
      return {
        code: 'nopermissions',
        message: `${failed}: the web-service user lacks the capability ${capability}. Grant it (${DEFINE_ROLES}), then retry this event.`,
      };
    }
    // With valid parameters, enrol answers invalidparameter for a course that does not exist (debug-off 61,
    // debug-on 33: "Context does not exist").
    case 'invalidparameter':
      return {
        code: 'course_missing',
        message: `${failed}: Moodle has no course ${courseId} (deleted in Moodle?). Save the class in Zoho again so mzi finds or recreates its course, then retry this event.`,
      };
    // A user that does not exist (62, 160); unenrol also says so for a missing course (158).
    case 'invalidrecordunknown':
    case 'invalidrecord':
    case 'invaliduser':
      return {
        code: action === 'enrol' ? 'user_missing' : 'enrolment_target_missing',
        message:
          action === 'enrol'
            ? `${failed}: Moodle has no user ${userId} (deleted in Moodle?). Save the student in Zoho again so mzi finds or recreates the account, then retry this event.`
            : `${failed}: Moodle has no user ${userId} or no course ${courseId} (deleted in Moodle?): there is no enrolment left to remove. Check both in Moodle; if both are gone, nothing remains to do.`,
      };
    default:
      return undefined;
  }
}
