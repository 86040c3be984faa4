import { ProcessingError } from '../../event-log/processing-error.js';
import { MoodleException } from '../../moodle/moodle-errors.js';
import { describeCapability, GRANT_CAPABILITY_PAGE, missingCapability } from './moodle-capabilities.js';
import { moodleSaid } from './moodle-text.js';

/** One enrolment mzi asked Moodle for, in the words an operator reads in an event's error_message. */
export interface EnrolmentSubject {
  /** The Zoho record whose event this is: `class 5725…`, `enrollment 5725…`. */
  readonly record: string;
  /** Who is (un)enrolled: `teacher 5725… (Moodle user 808)`. */
  readonly user: string;
  readonly userId: number;
  readonly courseId: number;
  /** The role asked for; unenrolments name none. */
  readonly roleId?: number | undefined;
  /** The setting that holds `roleId`, named when Moodle refuses the role: `MOODLE_TEACHER_ROLE_ID`. */
  readonly roleSetting?: string | undefined;
}

/** What a call that threw means for one enrolment: stored after all (with a warning), or failed. */
export type EnrolmentFailure =
  | { readonly committed: true; readonly warning: string }
  | { readonly committed: false; readonly error: unknown };

/**
 * Moodle's errorcode when the welcome message of an enrolment cannot be sent: the enrolment is committed first
 * (transcripts 149, 150), so this is a success the operator should hear about.
 */
export const MESSAGE_NOT_SENT = 'Message was not sent.';

/** True for the exception Moodle throws after committing an enrolment whose welcome message it could not send. */
export function isMessageNotSent(error: unknown): boolean {
  return error instanceof MoodleException && error.errorcode === MESSAGE_NOT_SENT;
}

/**
 * Explains a failed `enrol_manual_enrol_users` / `enrol_manual_unenrol_users` call for one enrolment: each
 * error an administrator can fix gets a message naming the Zoho record, the Moodle course, user and role, and
 * the page or setting that fixes it. Errors it does not know (transport failures, which are retried) are
 * returned as they are. For a batch, call it once per enrolment retried alone: Moodle's batch is all or
 * nothing (156) and its message names only the first bad item.
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
      warning: `Moodle enrolled ${subject.user} in course ${subject.courseId} but could not send the welcome message ("${MESSAGE_NOT_SENT}"): the site cannot send mail. The enrolment is stored; to have mail sent, fix Site administration > Server > Email > Outgoing mail configuration.`,
    };
  }
  const message = explanation(error, subject, action);
  if (message === undefined) return { committed: false, error };
  return {
    committed: false,
    error: new ProcessingError(error.code, `${message} ${moodleSaid(error)}`, {
      retryable: error.retryable,
      cause: error,
    }),
  };
}

/** The operator's message for an errorcode mzi knows, or undefined. */
function explanation(
  error: MoodleException,
  subject: EnrolmentSubject,
  action: 'enrol' | 'unenrol',
): string | undefined {
  const what = action === 'enrol' ? `enrol ${subject.user} in` : `unenrol ${subject.user} from`;
  const failed = `Could not ${what} Moodle course ${subject.courseId} for ${subject.record}`;
  switch (error.errorcode) {
    case 'wsnoinstance':
      return `${failed}: the course has no enabled manual enrolment method. In Moodle, open the course > Participants > Enrolment methods and add "Manual enrolments", or enable it (eye icon) if it is there; then retry this event.`;
    case 'wsusercannotassign': {
      const role = subject.roleId === undefined ? 'the role' : `role ${subject.roleId}`;
      const setting = subject.roleSetting ?? 'the role setting';
      return `${failed}: Moodle refused ${role}. Either ${role} does not exist on this site (check ${setting}: a fresh Moodle has editingteacher 3 and student 5; Site administration > Users > Permissions > Define roles lists them), or the web-service user may not assign it: Site administration > Users > Permissions > Define roles > the web-service user's role > Allow role assignments: allow ${role}. Then retry this event.`;
    }
    case 'requireloginerror':
      return `${failed}: the course is hidden (or not accessible) and the web-service user lacks moodle/course:viewhiddencourses. Show the course (course Settings > Course visibility: Show), or grant moodle/course:viewhiddencourses at ${GRANT_CAPABILITY_PAGE}; then retry this event.`;
    case 'nopermissions': {
      const capability = missingCapability(error.moodleMessage);
      const fallback = action === 'enrol' ? 'enrol/manual:enrol' : 'enrol/manual:unenrol';
      return `${failed}: the web-service user lacks ${describeCapability(capability, fallback)}. Grant it at ${GRANT_CAPABILITY_PAGE}, then retry this event.`;
    }
    case 'invalidrecordunknown':
    case 'invalidrecord':
    case 'invalidparameter':
      return `${failed}: Moodle has no course ${subject.courseId} or no user ${subject.userId} (deleted in Moodle?). Check both exist in Moodle; then save the Zoho records again so mzi links them anew, and retry this event.`;
    default:
      return undefined;
  }
}
