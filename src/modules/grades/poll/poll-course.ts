import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { MoodleAssignGrade, MoodleAssignment } from '../../../moodle/moodle-grade-types.js';
import type { EventAppender, IncomingDelivery } from '../../../webhooks/create-event-appender.js';
import { GRADE_MODULE, gradeKey } from '../grade-fields.js';
import {
  findGrades,
  gradesInFlight,
  liveGradesOfAssignments,
  loggedDeliveries,
  readCursors,
  writeCursors,
} from '../grade-store.js';
import type { GradeRow } from '../grades.table.js';
import { gradeDelivery, gradeDeliveryId } from './grade-delivery.js';
import type { GradeMoodle, LinkedCourse } from './grade-moodle.js';
import { readGradebook } from './grade-report.js';
import type { GradePollSummary } from './poll-summary.js';

/** What a poll of one course needs. */
export interface CoursePoll {
  readonly db: Kysely<Database>;
  readonly moodle: GradeMoodle;
  readonly appender: Pick<EventAppender, 'appendAll'>;
  /** The student record of each Moodle user that is one. */
  readonly studentsOf: (userIds: readonly number[]) => Promise<Map<number, string>>;
  /** Grader names by Moodle user id, filled as the poll goes. */
  readonly graderNames: Map<number, string>;
  /** A resync: reads from `since` and appends every grade found again, under this run's id. */
  readonly resend: { readonly since: number; readonly runId: string } | undefined;
  readonly dryRun: boolean;
  readonly summary: GradePollSummary;
  readonly now: () => Date;
}

/** A grade Moodle returned that will be sent. */
interface Found {
  readonly assignment: MoodleAssignment;
  readonly grade: MoodleAssignGrade;
  readonly key: string;
}

/**
 * Polls one course: reads the grades of its assignments changed since each assignment's cursor (Moodle's
 * `since` is inclusive, so nothing changed in the cursor's second is missed), appends an event for each new
 * grade of a known student and for each grade removed in Moodle, then moves the cursors on. The events are
 * committed before the cursors move, so a poll cut short reads the same grades again, and the log's delivery
 * ids make that harmless.
 */
export async function pollCourse(
  poll: CoursePoll,
  course: LinkedCourse,
  assignments: readonly MoodleAssignment[],
  /** False when Moodle left some assignments out (no access): a missing one is then not taken for deleted. */
  complete: boolean,
): Promise<void> {
  const { summary } = poll;
  summary.coursesRead += 1;
  summary.assignments += assignments.length;
  const cursors = await readCursors(poll.db, course.courseId);
  const sinceOf = (id: number) => poll.resend?.since ?? cursors.get(id) ?? 0;
  const deliveries: IncomingDelivery[] = [];
  const seen = new Map<number, number>();

  // Assignments deleted from the course: what mzi sent of their grades was removed in Moodle.
  const current = new Set(assignments.map((assignment) => assignment.id));
  const gone = complete ? [...cursors.keys()].filter((id) => !current.has(id)) : [];
  for (const row of await liveGradesOfAssignments(poll.db, gone)) {
    deliveries.push(removal(row, 'assignment-deleted'));
  }

  const graded = assignments.filter((assignment) => assignment.grade !== 0);
  const found: Found[] = [];
  const removedRows: { row: GradeRow; grade: MoodleAssignGrade }[] = [];
  if (graded.length > 0) {
    const since = Math.min(...graded.map((assignment) => sinceOf(assignment.id)));
    const answer = await poll.moodle.getAssignmentGrades(
      graded.map((assignment) => assignment.id),
      since,
    );
    for (const warning of answer.warnings) {
      if (warning.warningcode === '1') {
        summary.problems.push(
          `Moodle refused the grades of assignment ${warning.itemid} in course ${course.courseId}: the web-service user needs mod/assign:grade there (Moodle: ${warning.message})`,
        );
      }
    }
    const byId = new Map(graded.map((assignment) => [assignment.id, assignment]));
    const candidates: Found[] = [];
    const fresh = new Set<MoodleAssignGrade>();
    for (const list of answer.assignments) {
      const assignment = byId.get(list.assignmentid);
      if (!assignment) continue;
      for (const grade of list.grades) {
        seen.set(assignment.id, Math.max(seen.get(assignment.id) ?? 0, grade.timemodified));
        if (grade.timemodified < sinceOf(assignment.id)) continue;
        candidates.push({ assignment, grade, key: gradeKey(grade.userid, course.courseId, assignment.id) });
        // The cursor's own second is read again each poll: its grades were counted by the poll that read them.
        if (poll.resend || grade.timemodified > (cursors.get(assignment.id) ?? -1)) fresh.add(grade);
      }
    }
    summary.gradesRead += fresh.size;
    const mirror = await findGrades(
      poll.db,
      candidates.map((candidate) => candidate.key),
    );
    const ungraded = candidates.filter((candidate) => !hasGrade(candidate.grade));
    // A grade still to be sent is removed after it, in order: Zoho must not keep it.
    const inFlight = await gradesInFlight(
      poll.db,
      GRADE_MODULE,
      ungraded.filter((candidate) => !mirror.has(candidate.key)).map((candidate) => candidate.key),
    );
    for (const candidate of candidates) {
      if (hasGrade(candidate.grade)) {
        found.push(candidate);
        continue;
      }
      const row = mirror.get(candidate.key);
      // A grade row without a grade: the grade was removed, or a new attempt is not graded yet.
      if (row?.live === 1 && row.attempt === candidate.grade.attemptnumber) {
        removedRows.push({ row, grade: candidate.grade });
      } else if (!row && inFlight.has(candidate.key)) {
        removedRows.push({ row: unsentRow(course, candidate), grade: candidate.grade });
      } else if (fresh.has(candidate.grade)) summary.skipped.ungraded += 1;
    }
    summary.skipped.notGraded += assignments.length - graded.length;
    for (const { row, grade } of removedRows) deliveries.push(removal(row, 'removed', grade));
    deliveries.push(...(await gradeDeliveries(poll, course, found, mirror, fresh)));
  }

  await append(poll, deliveries);
  if (!poll.dryRun) {
    const moved = new Map<number, number>();
    for (const assignment of assignments) {
      const at = Math.max(cursors.get(assignment.id) ?? 0, seen.get(assignment.id) ?? 0);
      if (at !== cursors.get(assignment.id)) moved.set(assignment.id, at);
    }
    await writeCursors(poll.db, course.courseId, moved, gone, poll.now().toISOString());
  }

  function removal(row: GradeRow, kind: 'removed' | 'assignment-deleted', grade?: MoodleAssignGrade) {
    const gradedAt = grade?.timemodified ?? row.moodle_graded_at;
    return gradeDelivery({
      key: row.grade_key,
      operation: 'delete',
      deliveryId: deliveryId(
        poll,
        row.moodle_user_id,
        course.courseId,
        row.moodle_assignment_id,
        row.attempt,
        gradedAt,
        kind,
      ),
      data: {
        Moodle_User_ID: String(row.moodle_user_id),
        Moodle_Course_ID: String(row.moodle_course_id),
        Moodle_Assignment_ID: String(row.moodle_assignment_id),
        Student: row.student_record_id,
        Class: row.class_record_id,
        Attempt: String(row.attempt),
        Graded_At: new Date(gradedAt * 1000).toISOString(),
      },
      moodle: grade
        ? { assignmentid: row.moodle_assignment_id, grade }
        : { assignmentid: row.moodle_assignment_id, deleted: true },
    });
  }
}

/** What a removal names of a grade whose first event is not sent yet (the mirror has no row of it). */
function unsentRow(course: LinkedCourse, found: Found): GradeRow {
  return {
    grade_key: found.key,
    moodle_user_id: found.grade.userid,
    moodle_course_id: course.courseId,
    moodle_assignment_id: found.assignment.id,
    student_record_id: '',
    class_record_id: course.recordId,
    attempt: found.grade.attemptnumber,
    grade: null,
    moodle_graded_at: found.grade.timemodified,
    zoho_record_id: null,
    live: 0,
    removed_at: null,
    last_event_id: null,
    created_at: '',
    updated_at: '',
  };
}

/** Whether a grade row holds a grade: Moodle keeps -1 in a row whose grade was removed or never given. */
function hasGrade(grade: MoodleAssignGrade): boolean {
  const value = Number(grade.grade);
  return Number.isFinite(value) && value >= 0;
}

function deliveryId(
  poll: CoursePoll,
  userId: number,
  courseId: number,
  assignmentId: number,
  attempt: number,
  gradedAt: number,
  kind: 'graded' | 'removed' | 'assignment-deleted',
): string {
  return gradeDeliveryId({ userId, courseId, assignmentId, attempt, gradedAt }, kind, poll.resend?.runId);
}

/** The events of the grades to send: students and class resolved, scale names and feedback read. */
async function gradeDeliveries(
  poll: CoursePoll,
  course: LinkedCourse,
  found: readonly Found[],
  mirror: ReadonlyMap<string, GradeRow>,
  fresh: ReadonlySet<MoodleAssignGrade>,
): Promise<IncomingDelivery[]> {
  const { summary } = poll;
  if (found.length === 0) return [];
  const students = await poll.studentsOf([...new Set(found.map((f) => f.grade.userid))]);
  const known = found.filter((f) => {
    if (students.has(f.grade.userid)) return true;
    if (fresh.has(f.grade)) summary.skipped.unknownStudent += 1;
    return false;
  });
  if (known.length === 0) return [];
  const gradebook = await readGradebook(poll.moodle, course.courseId, [
    ...new Set(known.map((f) => f.grade.userid)),
  ]);
  if (gradebook.courseIdnumber !== undefined && gradebook.courseIdnumber !== course.idnumber) {
    summary.skipped.unknownClass += known.filter((f) => fresh.has(f.grade)).length;
    summary.problems.push(
      `Moodle course ${course.courseId} has the idnumber "${gradebook.courseIdnumber}", but class ${course.recordId} links it by "${course.idnumber}": its grades are not sent until the idnumber is restored`,
    );
    return [];
  }
  await readGraderNames(poll, known);
  return known.map(({ assignment, grade, key }) => {
    const entry = gradebook.entries.get(`${grade.userid}:${assignment.id}`);
    const scale = assignment.grade < 0;
    return gradeDelivery({
      key,
      operation: mirror.has(key) ? 'update' : 'insert',
      deliveryId: deliveryId(
        poll,
        grade.userid,
        course.courseId,
        assignment.id,
        grade.attemptnumber,
        grade.timemodified,
        'graded',
      ),
      data: {
        Moodle_User_ID: String(grade.userid),
        Moodle_Course_ID: String(course.courseId),
        Moodle_Assignment_ID: String(assignment.id),
        Assignment_Name: assignment.name.slice(0, 255),
        Course_Idnumber: course.idnumber,
        Student: students.get(grade.userid) ?? null,
        Class: course.recordId,
        Attempt: String(grade.attemptnumber),
        Grade_Kind: scale ? 'scale' : 'points',
        Moodle_Grade: grade.grade,
        Scale_Item: scale ? (entry?.formatted ?? null) : null,
        Grade_Max: scale ? null : String(assignment.grade),
        Feedback: entry?.feedback ?? '',
        Grader_Name: poll.graderNames.get(grade.grader) ?? null,
        Graded_At: new Date(grade.timemodified * 1000).toISOString(),
      },
      moodle: { assignmentid: assignment.id, grade, gradebook: entry ?? null },
    });
  });
}

/** Names the graders not named yet (one call for all); a grader Moodle no longer has stays unnamed. */
async function readGraderNames(poll: CoursePoll, found: readonly Found[]): Promise<void> {
  const missing = [
    ...new Set(found.map((f) => f.grade.grader).filter((id) => id > 0 && !poll.graderNames.has(id))),
  ];
  if (missing.length === 0) return;
  for (const user of await poll.moodle.getUsersByField('id', missing)) {
    poll.graderNames.set(user.id, user.fullname);
  }
}

/** Appends what the log does not hold yet, in one transaction per 500 (a dry run counts only). */
async function append(poll: CoursePoll, deliveries: readonly IncomingDelivery[]): Promise<void> {
  const { summary } = poll;
  if (deliveries.length === 0) return;
  const logged = await loggedDeliveries(
    poll.db,
    GRADE_MODULE,
    deliveries.map((delivery) => delivery.normalized.deliveryId ?? ''),
  );
  const fresh = deliveries.filter((delivery) => !logged.has(delivery.normalized.deliveryId ?? ''));
  summary.unchanged += deliveries.length - fresh.length;
  for (let at = 0; at < fresh.length; at += 500) {
    const chunk = fresh.slice(at, at + 500);
    if (!poll.dryRun) await poll.appender.appendAll(chunk);
    for (const delivery of chunk) {
      if (delivery.normalized.operation === 'delete') summary.removed += 1;
      else summary.queued += 1;
    }
  }
}
