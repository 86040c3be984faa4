import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MoodleClient } from '../../moodle/create-moodle-client.js';
import type { LinksOf } from '../zoho-module.js';
import { type ClassCategory, classCategory, teacherUser } from './class-links.js';
import type { ClassSettings } from './class-settings.js';
import { type ClassState, classLabel } from './class-state.js';
import type { ClassCourseLink } from './class-store.js';
import type { ClassRow } from './classes.table.js';
import { type CourseAction, decideCourseAction } from './decide-course-action.js';
import { courseIdnumber, type DesiredCourse, desiredCourse } from './desired-course.js';
import { type FoundCourse, findClassCourse } from './find-class-course.js';
import { type CourseSync, createCourse, updateCourse } from './sync-course.js';
import { type KnownTeacher, syncTeacher } from './sync-teacher.js';

/** One class event's work in Moodle, and what it needs to know. */
export interface ClassSyncInput {
  readonly client: MoodleClient;
  readonly settings: ClassSettings;
  readonly linksOf: LinksOf;
  readonly db: Kysely<Database>;
  readonly operation: string;
  readonly state: ClassState;
  readonly current: ClassRow | undefined;
}

/** The event's result in Moodle, its warnings, and the link the mirror keeps (absent: keep what is stored). */
export interface ClassSync {
  readonly outcome: Record<string, unknown>;
  readonly warnings: string[];
  readonly link?: ClassCourseLink;
}

/** What the course step decided, before the teacher. */
interface Plan {
  readonly action: Exclude<CourseAction, { kind: 'leave' }>;
  readonly desired: DesiredCourse | undefined;
  readonly category: ClassCategory | undefined;
  /** The teacher's Moodle user (null: no teacher); undefined when the teacher is left alone (hiding). */
  readonly teacher: { userId: number } | null | undefined;
  readonly found: FoundCourse | undefined;
}

/**
 * A class event in Moodle: its course found (by idnumber or Moodle_Class_ID), created, updated or hidden, then
 * its teacher enrolled (issue 17).
 */
export async function syncClass(input: ClassSyncInput): Promise<ClassSync> {
  const { state, current, settings } = input;
  const action = decideCourseAction(input.operation, state.status, settings);
  if (action.kind === 'leave') {
    const courseId = current?.moodle_course_id;
    return {
      outcome: { action: 'kept', ...(courseId ? { course_id: courseId } : {}), reason: action.reason },
      warnings: [],
    };
  }
  const plan = await planClass(input, action);
  const warnings = [...(plan.desired?.warnings ?? [])];
  if (!plan.found && action.kind === 'hide') {
    return { outcome: { action: 'none', reason: `no course to hide: ${action.reason}` }, warnings };
  }
  if (!plan.found && action.kind === 'update') {
    return { outcome: { action: 'not_created', reason: action.reason }, warnings };
  }

  const { sync, ownership } = await syncCourse(input, plan);
  const outcome: Record<string, unknown> = {
    action: courseAction(sync, action),
    course_id: sync.courseId,
    ownership,
    ...(sync.changed.length > 0 ? { changed: sync.changed } : {}),
    ...(sync.created && plan.category ? { category_id: plan.category.categoryId } : {}),
    ...(action.kind === 'hide' ? { reason: action.reason } : {}),
  };
  let teacher: KnownTeacher =
    current?.moodle_course_id === sync.courseId
      ? { userId: current.teacher_user_id, byMzi: current.teacher_enrolled_by_mzi === 1 }
      : { userId: null, byMzi: false };
  if (plan.teacher !== undefined) {
    const done = await syncTeacher({
      client: input.client,
      roleId: settings.teacherRoleId,
      label: classLabel(state),
      courseId: sync.courseId,
      courseIsNew: sync.created,
      teacher:
        plan.teacher && state.teacherId ? { recordId: state.teacherId, userId: plan.teacher.userId } : null,
      known: teacher,
    });
    outcome.teacher = done.outcome;
    warnings.push(...done.warnings);
    teacher = done.known;
  }
  return {
    outcome,
    warnings,
    link: {
      courseId: sync.courseId,
      ownership,
      hiddenByMzi: sync.hiddenByMzi,
      teacherUserId: teacher.userId,
      teacherEnrolledByMzi: teacher.byMzi,
    },
  };
}

/**
 * Reads what the event needs: the other modules' links first, so that a class whose program or teacher is not
 * in Moodle yet changes nothing there, then the course.
 */
async function planClass(input: ClassSyncInput, action: Plan['action']): Promise<Plan> {
  const { client, db, linksOf, settings, state } = input;
  const deleting = input.operation === 'delete';
  const desired = deleting ? undefined : desiredCourse(state, settings);
  const category = deleting ? undefined : await classCategory(db, linksOf, state, settings);
  const teacher = action.kind === 'hide' ? undefined : await teacherUser(db, linksOf, state);
  const idnumber = courseIdnumber(settings, state.recordId);
  // A delete may carry nothing but the record id: its course is the one with its idnumber.
  const found = deleting
    ? (await client.getCoursesByField('idnumber', idnumber)).map(
        (course): FoundCourse => ({ course, ownership: 'linked' }),
      )[0]
    : await findClassCourse(client, state, idnumber);
  return { action, desired, category, teacher, found };
}

/** Creates the course, or updates the one found. */
async function syncCourse(
  input: ClassSyncInput,
  plan: Plan,
): Promise<{ sync: CourseSync; ownership: string }> {
  const { client, current, state } = input;
  const label = classLabel(state);
  if (!plan.found) {
    // Only a delete has no desired course, and a delete never creates one.
    if (!plan.desired) throw new TypeError('a class to create has its fields');
    const sync = await createCourse({
      client,
      desired: plan.desired,
      category: plan.category,
      label,
      knownCourseId: current?.moodle_course_id ?? undefined,
    });
    return { sync, ownership: 'created' };
  }
  const sameCourse = current?.moodle_course_id === plan.found.course.id;
  const sync = await updateCourse({
    client,
    course: plan.found.course,
    desired: plan.desired,
    category: plan.category,
    hide: plan.action.kind === 'hide',
    hiddenByMzi: sameCourse && current?.hidden_by_mzi === 1,
    label,
  });
  const ownership = sameCourse && current?.course_ownership ? current.course_ownership : plan.found.ownership;
  return { sync, ownership };
}

function courseAction(sync: CourseSync, action: Plan['action']): string {
  if (sync.created) return 'created';
  if (action.kind === 'hide' && sync.changed.includes('visible')) return 'hidden';
  return sync.changed.length > 0 ? 'updated' : 'unchanged';
}
