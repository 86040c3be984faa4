import type { MoodleCourse, MoodleCourseUpdate } from '../../moodle/create-moodle-client.js';
import { sameMoodleText } from '../shared/moodle-text.js';
import type { DesiredCourse } from './desired-course.js';

/** The course fields mzi manages, as they should be; undefined ones are left as Moodle has them. */
export interface CourseTarget {
  /** Undefined for a delete: only the visibility is managed then. */
  readonly desired?: Pick<DesiredCourse, 'fullname' | 'shortname' | 'idnumber' | 'dates'> | undefined;
  readonly categoryId?: number | undefined;
  readonly visible?: 0 | 1 | undefined;
}

/**
 * The update that brings `course` to `target`: only the fields that differ, and startdate always with enddate
 * (Moodle skips the whole item otherwise, transcript 120). Undefined when nothing differs.
 */
export function diffCourse(
  course: MoodleCourse,
  target: CourseTarget,
): { update: MoodleCourseUpdate; changed: string[] } | undefined {
  const update: MoodleCourseUpdate = { id: course.id };
  const changed: string[] = [];
  const { desired } = target;
  if (desired) addFieldChanges(course, desired, update, changed);
  if (target.categoryId !== undefined && course.categoryid !== target.categoryId) {
    update.categoryid = target.categoryId;
    changed.push('categoryid');
  }
  if (target.visible !== undefined && course.visible !== target.visible) {
    update.visible = target.visible;
    changed.push('visible');
  }
  return changed.length > 0 ? { update, changed } : undefined;
}

function addFieldChanges(
  course: MoodleCourse,
  desired: NonNullable<CourseTarget['desired']>,
  update: MoodleCourseUpdate,
  changed: string[],
): void {
  if (!sameMoodleText(desired.fullname, course.fullname)) {
    update.fullname = desired.fullname;
    changed.push('fullname');
  }
  if (!sameMoodleText(desired.shortname, course.shortname)) {
    update.shortname = desired.shortname;
    changed.push('shortname');
  }
  if (course.idnumber !== desired.idnumber) {
    update.idnumber = desired.idnumber;
    changed.push('idnumber');
  }
  const dates = desired.dates;
  if (dates && (course.startdate !== dates.startdate || course.enddate !== dates.enddate)) {
    update.startdate = dates.startdate;
    update.enddate = dates.enddate;
    if (course.startdate !== dates.startdate) changed.push('startdate');
    if (course.enddate !== dates.enddate) changed.push('enddate');
  }
}
