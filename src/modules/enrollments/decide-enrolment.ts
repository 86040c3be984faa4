import type { EnrollmentSettings } from './enrollment-settings.js';
import type { MoodleEnrolmentState, MoodlePair, StoredEnrolment } from './enrollment-store.js';
import type { EnrolmentTimes } from './enrolment-times.js';

/** One Moodle call's worth of work for an enrollment. */
export type EnrolmentOp =
  | {
      kind: 'enrol';
      /** The full intended state: Moodle resets whatever an enrol call leaves out (137, 144). */
      enrolment: {
        roleid: number;
        userid: number;
        courseid: number;
        timestart: number;
        timeend: number;
        suspend: 0 | 1;
      };
      /** The pair the enrollment leaves (it moved, or it was deleted): skipped if another enrollment needs it. */
      leaving: boolean;
    }
  | { kind: 'unenrol'; enrolment: { userid: number; courseid: number }; leaving: true };

/** What the event does in Moodle, as its result says it. */
export type EnrolmentAction =
  | 'enrolled'
  | 'reactivated'
  | 'suspended'
  | 'unenrolled'
  | 'updated'
  | 'moved'
  | 'unchanged'
  | 'not_enrolled';

export interface EnrolmentPlan {
  action: EnrolmentAction;
  ops: EnrolmentOp[];
  /** What the mirror records once the ops succeed; undefined leaves the stored enrolment as it is. */
  stored: StoredEnrolment | undefined;
  warnings: string[];
}

/** The Moodle enrolment the mirror last recorded for an enrollment, if mzi made one. */
export function storedEnrolment(row: {
  moodle_user_id: number | null;
  moodle_course_id: number | null;
  moodle_role_id: number | null;
  moodle_timestart: number | null;
  moodle_timeend: number | null;
  moodle_state: MoodleEnrolmentState | null;
}): StoredEnrolment | undefined {
  if (row.moodle_state === null || row.moodle_user_id === null || row.moodle_course_id === null) return;
  return {
    userId: row.moodle_user_id,
    courseId: row.moodle_course_id,
    roleId: row.moodle_role_id ?? 0,
    timestart: row.moodle_timestart ?? 0,
    timeend: row.moodle_timeend ?? 0,
    state: row.moodle_state,
  };
}

/** Whether an Enrollment_Status suspends the enrolment (MOODLE_ENROLMENT_SUSPEND_STATUSES, any case). */
export function isSuspendStatus(
  status: string | null,
  settings: Pick<EnrollmentSettings, 'suspendStatuses'>,
) {
  return status !== null && settings.suspendStatuses.includes(status.trim().toLowerCase());
}

/**
 * An insert or update: the student enrolled in the class's course with the role, dates and suspension the
 * record asks for. Nothing is sent when Moodle already has exactly that (every enrol call also re-sends the
 * course's welcome message, 150); an enrollment moved to another student or class leaves the old course as a
 * deleted one would (MOODLE_ON_UNENROL).
 */
export function decideUpsert(options: {
  previous: StoredEnrolment | undefined;
  target: MoodlePair;
  times: EnrolmentTimes;
  suspended: boolean;
  settings: Pick<EnrollmentSettings, 'studentRoleId' | 'onUnenrol'>;
}): EnrolmentPlan {
  const { previous, target, times, settings } = options;
  const desired: StoredEnrolment = {
    userId: target.userId,
    courseId: target.courseId,
    roleId: settings.studentRoleId,
    timestart: times.timestart,
    timeend: times.timeend,
    state: options.suspended ? 'suspended' : 'active',
  };
  const samePair = previous && previous.userId === target.userId && previous.courseId === target.courseId;
  if (samePair && isSame(previous, desired)) {
    return { action: 'unchanged', ops: [], stored: desired, warnings: [] };
  }
  const enrol: EnrolmentOp = { kind: 'enrol', enrolment: enrolParams(desired), leaving: options.suspended };
  const warnings: string[] = [];
  if (samePair && previous.state !== 'unenrolled' && previous.roleId !== desired.roleId) {
    // Enrolling again with another role adds it and keeps the old one (150).
    warnings.push(
      `Moodle user ${target.userId} keeps role ${previous.roleId} in course ${target.courseId} besides role ${desired.roleId} (MOODLE_STUDENT_ROLE_ID changed): enrolling again adds a role and never removes one. Remove role ${previous.roleId} in the course's Participants page if it is no longer wanted.`,
    );
  }
  if (!samePair && previous && previous.state !== 'unenrolled') {
    const leave = leaveOp(previous, settings.onUnenrol);
    return {
      action: 'moved',
      ops: leave ? [enrol, leave] : [enrol],
      stored: desired,
      warnings: [
        ...warnings,
        `This enrollment moved from Moodle user ${previous.userId} in course ${previous.courseId} to user ${target.userId} in course ${target.courseId}: the old enrolment ${leave ? (settings.onUnenrol === 'unenrol' ? 'is removed' : 'is suspended') : 'stays suspended'} (MOODLE_ON_UNENROL=${settings.onUnenrol}).`,
      ],
    };
  }
  return {
    action: upsertAction(samePair ? previous : undefined, desired),
    ops: [enrol],
    stored: desired,
    warnings,
  };
}

/**
 * A delete: the enrolment mzi made is suspended, with its times kept, or removed (MOODLE_ON_UNENROL). An
 * enrollment mzi never enrolled leaves Moodle alone.
 */
export function decideDelete(options: {
  previous: StoredEnrolment | undefined;
  settings: Pick<EnrollmentSettings, 'onUnenrol'>;
}): EnrolmentPlan {
  const { previous, settings } = options;
  if (!previous || previous.state === 'unenrolled') {
    return { action: 'not_enrolled', ops: [], stored: undefined, warnings: [] };
  }
  if (settings.onUnenrol === 'suspend' && previous.state === 'suspended') {
    return { action: 'unchanged', ops: [], stored: previous, warnings: [] };
  }
  const leave = leaveOp(previous, settings.onUnenrol);
  const state: MoodleEnrolmentState = settings.onUnenrol === 'unenrol' ? 'unenrolled' : 'suspended';
  return {
    action: state,
    ops: leave ? [leave] : [],
    stored: { ...previous, state },
    warnings: [],
  };
}

/** Leaving a Moodle enrolment: suspend it with its times, or remove it. */
function leaveOp(previous: StoredEnrolment, onUnenrol: 'suspend' | 'unenrol'): EnrolmentOp | undefined {
  if (onUnenrol === 'unenrol') {
    return {
      kind: 'unenrol',
      enrolment: { userid: previous.userId, courseid: previous.courseId },
      leaving: true,
    };
  }
  if (previous.state === 'suspended') return undefined;
  return { kind: 'enrol', enrolment: enrolParams({ ...previous, state: 'suspended' }), leaving: true };
}

function enrolParams(enrolment: StoredEnrolment) {
  return {
    roleid: enrolment.roleId,
    userid: enrolment.userId,
    courseid: enrolment.courseId,
    timestart: enrolment.timestart,
    timeend: enrolment.timeend,
    suspend: enrolment.state === 'suspended' ? (1 as const) : (0 as const),
  };
}

function upsertAction(previous: StoredEnrolment | undefined, desired: StoredEnrolment): EnrolmentAction {
  if (desired.state === 'suspended') return 'suspended';
  if (!previous || previous.state === 'unenrolled') return 'enrolled';
  if (previous.state === 'suspended') return 'reactivated';
  return 'updated';
}

function isSame(a: StoredEnrolment, b: StoredEnrolment): boolean {
  return (
    a.state === b.state && a.roleId === b.roleId && a.timestart === b.timestart && a.timeend === b.timeend
  );
}
