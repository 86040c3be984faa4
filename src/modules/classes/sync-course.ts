import { ProcessingError } from '../../event-log/processing-error.js';
import type { MoodleClient, MoodleCourse } from '../../moodle/create-moodle-client.js';
import type { ClassCategory } from './class-links.js';
import { type CourseErrorContext, explainCreateFailure, explainUpdateWarning } from './course-errors.js';
import type { DesiredCourse } from './desired-course.js';
import { diffCourse } from './diff-course.js';

/** What a class's event did to its course. */
export interface CourseSync {
  readonly courseId: number;
  readonly created: boolean;
  readonly changed: string[];
  /** Whether the course is hidden by mzi afterwards (so a reactivated class shows it again). */
  readonly hiddenByMzi: boolean;
}

/** Creates the class's course (visible: Moodle's default) in its category. */
export async function createCourse(options: {
  client: MoodleClient;
  desired: DesiredCourse;
  category: ClassCategory | undefined;
  label: string;
  /** The course the mirror linked the class to, not found by its idnumber now. */
  knownCourseId: number | undefined;
}): Promise<CourseSync> {
  const { client, desired, category, label } = options;
  if (!category) {
    throw new ProcessingError(
      'class.category_unresolved',
      `${label} has no BTEC_Program, so mzi does not know which Moodle course category its course goes in. Set the class's BTEC_Program in Zoho, or set MOODLE_DEFAULT_CATEGORY_ID to the category such classes go in; then retry this event.`,
    );
  }
  const context: CourseErrorContext = {
    client,
    label,
    desired,
    categoryId: category.categoryId,
    categoryFrom: category.from,
    knownCourseId: options.knownCourseId,
  };
  try {
    const [created] = await client.createCourses([
      {
        fullname: desired.fullname,
        shortname: desired.shortname,
        categoryid: category.categoryId,
        idnumber: desired.idnumber,
        ...(desired.dates ?? {}),
      },
    ]);
    if (!created) throw new ProcessingError('moodle.unexpected_response', 'Moodle created no course.');
    return { courseId: created.id, created: true, changed: [], hiddenByMzi: false };
  } catch (error) {
    throw await explainCreateFailure(error, context);
  }
}

/**
 * Updates what differs between the course and the class (only those fields), and hides or shows it: `hide`
 * hides it, and a course mzi hid is shown again once the class is neither ended nor deleted.
 */
export async function updateCourse(options: {
  client: MoodleClient;
  course: MoodleCourse;
  /** Undefined for a delete: only the visibility changes then. */
  desired: DesiredCourse | undefined;
  category: ClassCategory | undefined;
  hide: boolean;
  hiddenByMzi: boolean;
  label: string;
}): Promise<CourseSync> {
  const { client, course, desired, category, hide, label } = options;
  const show = !hide && course.visible === 0 && options.hiddenByMzi;
  const diff = diffCourse(course, {
    ...(desired ? { desired } : {}),
    categoryId: category?.fromProgram ? category.categoryId : undefined,
    visible: hide ? 0 : show ? 1 : undefined,
  });
  // Hidden by mzi now, or still hidden since it did; a course someone else hid stays theirs.
  const hiddenByMzi = hide ? course.visible === 1 || options.hiddenByMzi : false;
  if (!diff) return { courseId: course.id, created: false, changed: [], hiddenByMzi };
  const { warnings } = await client.updateCourses([diff.update]);
  const warning = warnings.find((w) => w.itemid === undefined || w.itemid === course.id);
  if (warning) {
    const context: CourseErrorContext = {
      client,
      label,
      desired: desired ?? {
        fullname: course.fullname,
        shortname: course.shortname,
        shortnameDerived: false,
        idnumber: course.idnumber,
        dates: undefined,
        warnings: [],
      },
      categoryId: category?.categoryId,
      categoryFrom: category?.from,
    };
    throw await explainUpdateWarning(warning, course.id, diff.changed, context);
  }
  return { courseId: course.id, created: false, changed: diff.changed, hiddenByMzi };
}
