import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { EventAppender } from '../../../webhooks/create-event-appender.js';
import type { GradeMoodle, LinkedCourse } from './grade-moodle.js';
import { type CoursePoll, pollCourse } from './poll-course.js';
import { emptyPollSummary, type GradePollSummary } from './poll-summary.js';

/** Courses whose assignments one mod_assign_get_assignments call lists. */
const COURSES_PER_CALL = 20;

export interface GradePollOptions {
  readonly db: Kysely<Database>;
  readonly moodle: GradeMoodle;
  readonly appender: Pick<EventAppender, 'appendAll'>;
  /** The courses of live classes. */
  readonly courses: readonly LinkedCourse[];
  readonly studentsOf: (userIds: readonly number[]) => Promise<Map<number, string>>;
  /** Only this Moodle course. */
  readonly courseId?: number | undefined;
  /** A resync (`mzi sync grades`): reads from `since` (0: every grade) and sends every grade found again. */
  readonly resend?: { readonly since: number; readonly runId: string } | undefined;
  readonly dryRun?: boolean | undefined;
  readonly now?: (() => Date) | undefined;
  readonly onProgress?: ((summary: Readonly<GradePollSummary>) => void) | undefined;
  /** True once the service is stopping: the poll ends after the course under way (its cursors are kept). */
  readonly isStopping?: (() => boolean) | undefined;
}

/**
 * Polls the grades of the courses mzi links to classes (issue 20): their assignments with
 * mod_assign_get_assignments, then each course's grades changed since its cursors with mod_assign_get_grades,
 * one course after the other so that a poll cut short keeps what it committed.
 */
export async function pollGrades(options: GradePollOptions): Promise<GradePollSummary> {
  const summary = emptyPollSummary(options.dryRun ?? false);
  const courses = options.courses.filter(
    (course) => options.courseId === undefined || course.courseId === options.courseId,
  );
  summary.courses = courses.length;
  const poll: CoursePoll = {
    db: options.db,
    moodle: options.moodle,
    appender: options.appender,
    studentsOf: options.studentsOf,
    graderNames: new Map(),
    resend: options.resend,
    dryRun: options.dryRun ?? false,
    summary,
    now: options.now ?? (() => new Date()),
  };
  for (let at = 0; at < courses.length; at += COURSES_PER_CALL) {
    if (options.isStopping?.()) break;
    const chunk = courses.slice(at, at + COURSES_PER_CALL);
    const answer = await options.moodle.getAssignments(chunk.map((course) => course.courseId));
    const byCourse = new Map(answer.courses.map((course) => [course.id, course.assignments]));
    for (const warning of answer.warnings) {
      const course = chunk.find((c) => c.courseId === warning.itemid);
      summary.problems.push(
        `Moodle would not list the assignments of course ${warning.itemid}${course ? ` (class ${course.recordId})` : ''}: ${warning.message} (warning ${warning.warningcode}). The web-service user needs mod/assign:view in the course and mod_assign_get_assignments in its service.`,
      );
    }
    // A module-level warning names a course module, not its course: every course of the call may miss one.
    const complete = !answer.warnings.some((warning) => warning.item === 'module');
    for (const course of chunk) {
      const assignments = byCourse.get(course.courseId);
      if (!assignments) continue;
      await pollCourse(poll, course, assignments, complete);
      options.onProgress?.(summary);
      if (options.isStopping?.()) break;
    }
  }
  return summary;
}
