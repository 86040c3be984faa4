import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { EnrolmentPlan } from './decide-enrolment.js';
import { activeHoldersOf, type MoodlePair, pairKey } from './enrollment-store.js';

/** A plan of an enrollment of the batch. */
export interface GuardedPlan {
  recordId: string;
  plan: EnrolmentPlan;
  /** Another enrollment that keeps the Moodle enrolment this one leaves active. */
  keptActiveBy?: string;
}

/**
 * Moodle keeps one enrolment per user and course, whichever Zoho records lead to it. A student may have two
 * enrollments in one class (withdrawn, then enrolled again as a new record): the old one leaving must not
 * suspend or remove what the new one needs. So an op that leaves a pair is dropped while another live enrollment,
 * in this batch or in the mirror, wants that pair active; the record names which.
 */
export async function guardSharedEnrolments(db: Kysely<Database>, plans: GuardedPlan[]): Promise<void> {
  const activeInBatch = new Map<string, string>();
  for (const { recordId, plan } of plans) {
    if (plan.stored?.state === 'active') activeInBatch.set(pairKey(plan.stored), recordId);
  }
  const leaving: MoodlePair[] = [];
  for (const { plan } of plans) {
    for (const op of plan.ops) {
      if (op.leaving) leaving.push({ userId: op.enrolment.userid, courseId: op.enrolment.courseid });
    }
  }
  if (leaving.length === 0) return;
  const held = await activeHoldersOf(
    db,
    leaving,
    plans.map((p) => p.recordId),
  );
  for (const entry of plans) {
    entry.plan.ops = entry.plan.ops.filter((op) => {
      if (!op.leaving) return true;
      const key = pairKey({ userId: op.enrolment.userid, courseId: op.enrolment.courseid });
      const holder = activeInBatch.get(key) ?? held.get(key);
      if (holder === undefined || holder === entry.recordId) return true;
      entry.keptActiveBy = holder;
      return false;
    });
  }
}
