import { ProcessingError } from '../../event-log/processing-error.js';
import type { MoodleClient, MoodleWarning } from '../../moodle/create-moodle-client.js';
import { MoodleException } from '../../moodle/moodle-errors.js';
import {
  describeCapability,
  GRANT_CAPABILITY_PAGE,
  missingCapability,
} from '../shared/moodle-capabilities.js';
import { moodleSaid } from '../shared/moodle-text.js';
import type { DesiredCourse } from './desired-course.js';

/** What a course error is about, for its message. */
export interface CourseErrorContext {
  readonly client: MoodleClient;
  /** `Zoho class 5725… ("Name")`. */
  readonly label: string;
  readonly desired: DesiredCourse;
  readonly categoryId?: number | undefined;
  /** Where the category came from, named when Moodle says it does not exist. */
  readonly categoryFrom?: string | undefined;
  /** The course the mirror links the class to, which the lookup by idnumber did not find. */
  readonly knownCourseId?: number | undefined;
}

/**
 * The class's course exists but the web-service user cannot see it: a hidden course is absent from its
 * lookups (transcript 176), yet Moodle still refuses to create a second one with its short name or idnumber.
 */
function hiddenFromMzi(context: CourseErrorContext, refused: string, cause: unknown): ProcessingError {
  const course =
    context.knownCourseId === undefined ? 'A Moodle course' : `Moodle course ${context.knownCourseId}`;
  return new ProcessingError(
    'class.course_hidden_from_mzi',
    `${course} already carries the ${refused} of ${context.label}, but the web-service user cannot see it: it is hidden and the user lacks moodle/course:viewhiddencourses. Grant that capability at ${GRANT_CAPABILITY_PAGE}, or show the course in Moodle; then retry this event.`,
    { cause },
  );
}

/** The message of a taken shortname, naming the course that has it (looked up by shortname). */
async function shortnameTaken(context: CourseErrorContext, cause: unknown): Promise<ProcessingError> {
  const { desired, label } = context;
  let holder = '';
  try {
    const [other] = await context.client.getCoursesByField('shortname', desired.shortname);
    if (other) holder = ` by Moodle course ${other.id} ("${other.fullname}", idnumber "${other.idnumber}")`;
  } catch {
    // The message still says what is wrong without the other course's id.
  }
  // Invisible, and the class had a course: most likely that course, hidden since.
  if (holder === '' && context.knownCourseId !== undefined) {
    return hiddenFromMzi(context, `short name "${desired.shortname}"`, cause);
  }
  if (holder === '') holder = ' by another Moodle course (one the web-service user cannot see: a hidden one)';
  const source = desired.shortnameDerived
    ? 'derived from Class_Name because Class_Short_Name is empty'
    : 'its Class_Short_Name';
  return new ProcessingError(
    'class.shortname_taken',
    `The course short name "${desired.shortname}" of ${label} (${source}) is already used${holder}: Moodle short names are unique. Give the class a unique Class_Short_Name in Zoho, or rename the other course in Moodle; then retry this event.`,
    { cause },
  );
}

/** Explains a `core_course_create_courses` exception for the class's course. */
export async function explainCreateFailure(error: unknown, context: CourseErrorContext): Promise<unknown> {
  if (!(error instanceof MoodleException)) return error;
  const { label, desired } = context;
  const moodle = moodleSaid(error);
  switch (error.errorcode) {
    case 'shortnametaken':
      return shortnameTaken(context, error);
    case 'courseidnumbertaken':
      return hiddenFromMzi(context, `idnumber "${desired.idnumber}"`, error);
    case 'errorcatcontextnotvalid':
      return new ProcessingError(
        'class.category_not_found',
        `Moodle has no course category ${context.categoryId} for the course of ${label} (${context.categoryFrom ?? 'its category'}). Correct the program's category (its MoodleID in Zoho) or MOODLE_DEFAULT_CATEGORY_ID, then retry this event. ${moodle}`,
        { cause: error },
      );
    case 'nopermissions':
      return capabilityError(
        error.moodleMessage,
        'moodle/course:create',
        `create the course of ${label}`,
        error,
      );
    default:
      return new ProcessingError(
        error.code,
        `Moodle refused to create the course "${desired.shortname}" of ${label}. ${moodle}`,
        { retryable: error.retryable, cause: error },
      );
  }
}

/**
 * Explains the warning `core_course_update_courses` gave for the class's course: Moodle applied nothing of that
 * course (it skips the whole item), so the event fails with what to fix.
 */
export async function explainUpdateWarning(
  warning: MoodleWarning,
  courseId: number,
  changed: readonly string[],
  context: CourseErrorContext,
): Promise<ProcessingError> {
  const { label } = context;
  const moodle = moodleSaid({ errorcode: warning.warningcode, moodleMessage: warning.message });
  const what = `update Moodle course ${courseId} of ${label} (${changed.join(', ')})`;
  switch (warning.warningcode) {
    case 'shortnametaken':
      return shortnameTaken(context, undefined);
    case 'nopermissions': {
      // Hiding is what a restricted web-service user most often may not do (transcript 168).
      const hiding = missingCapability(warning.message).name === 'moodle/course:visibility';
      const alternative = hiding
        ? ' Or, to keep courses of ended and deleted classes visible, set MOODLE_ON_CLASS_DELETE=ignore and empty MOODLE_COURSE_HIDE_STATUSES.'
        : '';
      return capabilityError(warning.message, 'moodle/course:update', what, undefined, alternative);
    }
    case 'requireloginerror':
      return new ProcessingError(
        'moodle.requireloginerror',
        `Could not ${what}: the course is hidden and the web-service user lacks moodle/course:viewhiddencourses. Grant it at ${GRANT_CAPABILITY_PAGE}, or show the course in Moodle; then retry this event. ${moodle}`,
      );
    case 'invalidrecordunknown':
    case 'invalidrecord':
      return new ProcessingError(
        'class.course_gone',
        `Moodle course ${courseId} of ${label} no longer exists (deleted in Moodle while mzi worked). Retry this event: mzi then creates the course anew if the class's status asks for one. ${moodle}`,
      );
    default:
      return new ProcessingError(
        `moodle.${/^[a-z0-9_]+$/i.test(warning.warningcode) ? warning.warningcode : 'warning'}`,
        `Moodle did not ${what}. ${moodle}`,
      );
  }
}

function capabilityError(
  message: string,
  fallback: string,
  what: string,
  cause: unknown,
  alternative = '',
): ProcessingError {
  const capability = describeCapability(missingCapability(message), fallback);
  return new ProcessingError(
    'moodle.nopermissions',
    `Could not ${what}: the web-service user lacks ${capability}. Grant it at ${GRANT_CAPABILITY_PAGE}.${alternative} Then retry this event. ${moodleSaid({ errorcode: 'nopermissions', moodleMessage: message })}`,
    cause === undefined ? {} : { cause },
  );
}
