import { convert } from 'html-to-text';
import { MAX_FEEDBACK_LENGTH } from '../grade-fields.js';
import type { GradeMoodle } from './grade-moodle.js';

/** What the gradebook shows of a student's assignment grade: the scale item's name and the feedback. */
export interface GradebookEntry {
  /** `gradeformatted`: "Merit" for a scale grade, "78.50" for points. */
  readonly formatted: string;
  /** The feedback as plain text ('' for none). */
  readonly feedback: string;
}

/** The course's idnumber as the gradebook names it, and its entries by `userid:assignmentid`. */
export interface CourseGradebook {
  readonly courseIdnumber: string | undefined;
  readonly entries: ReadonlyMap<string, GradebookEntry>;
}

/** A few users are read one by one; more, the whole course in one call (userid 0). */
const PER_USER_LIMIT = 5;

/**
 * Reads the gradebook of these users in a course with `gradereport_user_get_grade_items`: the only stock call
 * that gives a scale grade's item name and the feedback (DESIGN.md §11).
 */
export async function readGradebook(
  moodle: GradeMoodle,
  courseId: number,
  userIds: readonly number[],
): Promise<CourseGradebook> {
  const answers =
    userIds.length <= PER_USER_LIMIT
      ? await Promise.all(userIds.map((userId) => moodle.getUserGradeItems(courseId, userId)))
      : [await moodle.getUserGradeItems(courseId, 0)];
  const entries = new Map<string, GradebookEntry>();
  let courseIdnumber: string | undefined;
  for (const answer of answers) {
    for (const user of answer.usergrades) {
      courseIdnumber ??= user.courseidnumber;
      for (const item of user.gradeitems) {
        if (item.itemmodule !== 'assign') continue;
        entries.set(`${user.userid}:${item.iteminstance}`, {
          formatted: item.gradeformatted,
          feedback: feedbackText(item.feedback),
        });
      }
    }
  }
  return { courseIdnumber, entries };
}

/** Moodle's feedback (HTML) as the plain text Zoho gets, cut to Zoho's field size. */
export function feedbackText(html: string): string {
  if (html.trim() === '') return '';
  const text = convert(html, {
    wordwrap: false,
    selectors: [{ selector: 'a', options: { ignoreHref: true } }],
  })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text.length <= MAX_FEEDBACK_LENGTH ? text : `${text.slice(0, MAX_FEEDBACK_LENGTH - 1)}…`;
}
