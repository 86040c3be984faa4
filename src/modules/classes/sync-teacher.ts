import type { MoodleClient } from '../../moodle/create-moodle-client.js';
import { type EnrolmentSubject, explainEnrolmentFailure } from '../shared/enrolment-errors.js';

/** The teacher enrolment mzi knows of in this course (none when the course is new or another one). */
export interface KnownTeacher {
  readonly userId: number | null;
  readonly byMzi: boolean;
}

export interface TeacherSyncInput {
  readonly client: MoodleClient;
  readonly roleId: number;
  /** `Zoho class 5725… ("Name")`. */
  readonly label: string;
  readonly courseId: number;
  /** Created by this event: nobody is enrolled yet, so there is nothing to read. */
  readonly courseIsNew: boolean;
  readonly teacher: { readonly recordId: string; readonly userId: number } | null;
  readonly known: KnownTeacher;
}

export interface TeacherSync {
  readonly outcome: Record<string, unknown>;
  readonly warnings: string[];
  /** What the mirror records afterwards. */
  readonly known: KnownTeacher;
}

/**
 * Enrols the class's teacher with MOODLE_TEACHER_ROLE_ID unless Moodle shows them enrolled with it already
 * (every enrol call sends a welcome message again, transcript 150), and unenrols the previous teacher when mzi
 * enrolled them; a teacher someone else enrolled stays.
 */
export async function syncTeacher(input: TeacherSyncInput): Promise<TeacherSync> {
  const { client, courseId, teacher, known } = input;
  const warnings: string[] = [];
  const outcome: Record<string, unknown> = {};
  let next: KnownTeacher = { userId: null, byMzi: false };

  if (teacher === null) {
    outcome.action = 'none';
  } else {
    const subject = subjectOf(input, teacher);
    const enrolled = input.courseIsNew ? [] : await readEnrolled(client, courseId, subject);
    const present = enrolled.find((user) => user.id === teacher.userId);
    const hasRole = present?.roles?.some((role) => role.roleid === input.roleId) ?? false;
    const ours = known.userId === teacher.userId && known.byMzi;
    if (hasRole) {
      outcome.action = known.userId === teacher.userId ? 'unchanged' : 'already_enrolled';
    } else {
      try {
        await client.enrolUsers([{ roleid: input.roleId, userid: teacher.userId, courseid: courseId }]);
      } catch (error) {
        const failure = explainEnrolmentFailure(error, subject, 'enrol');
        if (!failure.committed) throw failure.error;
        warnings.push(failure.warning);
      }
      outcome.action = 'enrolled';
    }
    // Enrolled by someone else before mzi (or holding another role there): never mzi's to remove.
    next = { userId: teacher.userId, byMzi: hasRole || present ? ours : true };
    Object.assign(outcome, { user_id: teacher.userId, role_id: input.roleId });
  }

  if (known.userId !== null && known.userId !== next.userId) {
    if (known.byMzi) {
      await unenrolPrevious(input, known.userId);
      outcome.unenrolled_user_id = known.userId;
    } else {
      warnings.push(
        `The previous teacher, Moodle user ${known.userId}, stays enrolled in course ${courseId}: mzi did not enrol them, so it does not unenrol them. Remove them in Moodle (course > Participants) if they should go.`,
      );
    }
  }
  return { outcome, warnings, known: next };
}

function subjectOf(input: TeacherSyncInput, teacher: { recordId: string; userId: number }): EnrolmentSubject {
  return {
    record: input.label,
    user: `teacher ${teacher.recordId} (Moodle user ${teacher.userId})`,
    userId: teacher.userId,
    courseId: input.courseId,
    roleId: input.roleId,
    roleSetting: 'MOODLE_TEACHER_ROLE_ID',
  };
}

async function readEnrolled(client: MoodleClient, courseId: number, subject: EnrolmentSubject) {
  try {
    return await client.getEnrolledUsers(courseId, [{ name: 'userfields', value: 'id,roles' }]);
  } catch (error) {
    const failure = explainEnrolmentFailure(error, subject, 'enrol');
    throw failure.committed ? error : failure.error;
  }
}

async function unenrolPrevious(input: TeacherSyncInput, userId: number): Promise<void> {
  try {
    await input.client.unenrolUsers([{ userid: userId, courseid: input.courseId }]);
  } catch (error) {
    const failure = explainEnrolmentFailure(
      error,
      {
        record: input.label,
        user: `the previous teacher (Moodle user ${userId})`,
        userId,
        courseId: input.courseId,
      },
      'unenrol',
    );
    throw failure.committed ? error : failure.error;
  }
}
