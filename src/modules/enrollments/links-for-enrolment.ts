import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ProcessingError } from '../../event-log/processing-error.js';
import { WaitForRecord } from '../../worker/wait-for-record.js';
import type { LinksOf, MoodleLink } from '../zoho-module.js';

/** The Moodle users of students and courses of classes an enrollment batch refers to. */
export interface EnrolmentLinks {
  users: Map<string, MoodleLink>;
  courses: Map<string, MoodleLink>;
}

/** Reads the links of the students and classes of a batch, one query per module. */
export async function readEnrolmentLinks(
  linksOf: LinksOf,
  db: Kysely<Database>,
  parties: readonly { studentId: string; classId: string }[],
): Promise<EnrolmentLinks> {
  const [users, courses] = await Promise.all([
    linksOf('student', db, [...new Set(parties.map((p) => p.studentId))]),
    linksOf('class', db, [...new Set(parties.map((p) => p.classId))]),
  ]);
  return { users, courses };
}

/**
 * The Moodle user and course an enrollment needs. A student or class without one makes the event wait for that
 * record (it is processed, else the worker would not have run this event, but not in Moodle); a deleted one
 * fails an enrollment that would make the student active.
 */
export function enrolmentTarget(options: {
  recordId: string;
  studentId: string;
  classId: string;
  links: EnrolmentLinks;
  active: boolean;
}): { userId: number; courseId: number } {
  const { recordId, studentId, classId, links } = options;
  const user = links.users.get(studentId);
  const course = links.courses.get(classId);
  if (!user) {
    throw new WaitForRecord({
      module: 'student',
      recordId: studentId,
      reason: `the student (Enrolled_Students of enrollment ${recordId}) has no Moodle user: it was processed while Moodle was not configured, or its account was deleted (MOODLE_ON_DELETE=delete). Save the student in Zoho again (or run mzi send student) to create the account, and this enrollment proceeds`,
    });
  }
  if (!course) {
    throw new WaitForRecord({
      module: 'class',
      recordId: classId,
      reason: `the class (Classes of enrollment ${recordId}) has no Moodle course yet: mzi creates it only when Class_Status is one of MOODLE_COURSE_CREATE_STATUSES (Active by default). Set the class's status in Zoho, and this enrollment proceeds`,
    });
  }
  if (options.active && !user.live) {
    throw new ProcessingError(
      'enrollment.student_deleted',
      `Student ${studentId} (Enrolled_Students of enrollment ${recordId}) was deleted in Zoho, so mzi does not enrol Moodle user ${user.moodleId} in course ${course.moodleId}. Restore the student in Zoho, or set this enrollment's status to one of MOODLE_ENROLMENT_SUSPEND_STATUSES or delete it.`,
    );
  }
  if (options.active && !course.live) {
    throw new ProcessingError(
      'enrollment.class_deleted',
      `Class ${classId} (Classes of enrollment ${recordId}) was deleted in Zoho, so mzi does not enrol student ${studentId} in its Moodle course ${course.moodleId}. Restore the class in Zoho, or set this enrollment's status to one of MOODLE_ENROLMENT_SUSPEND_STATUSES or delete it.`,
    );
  }
  return { userId: user.moodleId, courseId: course.moodleId };
}
