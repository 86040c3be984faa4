import type { ClaimedEvent } from '../../db/schema.js';
import type { MoodleClient } from '../../moodle/create-moodle-client.js';
import type {
  BatchEventHandler,
  HandlerContext,
  HandlerOutcome,
  HandlerResult,
} from '../../worker/event-handler.js';
import { explainEnrolmentFailure } from '../shared/enrolment-errors.js';
import { MOODLE_NOT_CONFIGURED, readRecordEvent, staleReason } from '../shared/read-record-event.js';
import { validateFieldLengths } from '../shared/validate-field-lengths.js';
import type { LinksOf, RecordData } from '../zoho-module.js';
import {
  decideDelete,
  decideUpsert,
  type EnrolmentPlan,
  isSuspendStatus,
  storedEnrolment,
} from './decide-enrolment.js';
import { ENROLLMENT_FIELDS } from './enrollment-fields.js';
import type { EnrollmentSettings } from './enrollment-settings.js';
import { type EnrollmentRow, findEnrollments, upsertEnrollment } from './enrollment-store.js';
import { type EnrolmentTimes, enrolmentTimes } from './enrolment-times.js';
import { type GuardedPlan, guardSharedEnrolments } from './guard-shared-enrolments.js';
import { enrolmentTarget, readEnrolmentLinks } from './links-for-enrolment.js';
import { type MergedEnrollment, mergeEnrollment, requireParties } from './read-enrollment-event.js';
import { type OpOutcome, sendEnrolments } from './send-enrolments.js';
import { suspendedAccounts } from './suspended-accounts.js';

export interface EnrollmentHandlerOptions {
  settings: EnrollmentSettings;
  /** Undefined when Moodle is not configured: the mirror is kept and each event says so. */
  moodle: MoodleClient | undefined;
  linksOf: LinksOf;
}

/** An event of the batch on its way: what it asks, and once known, what it does in Moodle. */
interface Intent {
  index: number;
  event: ClaimedEvent;
  data: RecordData;
  current: EnrollmentRow | undefined;
  merged: MergedEnrollment;
  local: 'created' | 'updated' | 'restored' | 'deleted' | 'deleted_unknown_record';
  /** Insert or update: the student and class, and the period, it asks for. */
  upsert?: { studentId: string; classId: string; times: EnrolmentTimes; suspended: boolean };
}

interface Planned extends GuardedPlan {
  intent: Intent;
}

/**
 * Processes BTEC_Enrollments events a batch at a time: each enrollment is read and checked, its student's
 * Moodle user and its class's course are looked up, and the enrolments of the batch go to Moodle grouped by
 * course (issue 17, items 4 and 7). The mirror is written in the transaction that completes each event.
 */
export function createEnrollmentHandler(options: EnrollmentHandlerOptions): BatchEventHandler {
  return {
    async handleBatch(events, context) {
      const results: HandlerResult[] = new Array(events.length);
      const currents = await findEnrollments(
        context.db,
        events.map((event) => event.record_id),
      );
      const intents: Intent[] = [];
      for (const [index, event] of events.entries()) {
        try {
          const intent = await readIntent(
            index,
            event,
            currents.get(event.record_id),
            options.settings,
            context,
          );
          if ('done' in intent) results[index] = { ok: true, outcome: intent.done };
          else intents.push(intent);
        } catch (error) {
          results[index] = { ok: false, error };
        }
      }
      const { moodle } = options;
      if (!moodle) {
        for (const intent of intents) {
          results[intent.index] = {
            ok: true,
            outcome: finish(intent, context, { result: MOODLE_NOT_CONFIGURED, warnings: [] }),
          };
        }
        return results;
      }
      const planned = await planAll(intents, options, context, results);
      await guardSharedEnrolments(context.db, planned);
      await sendAll(moodle, planned, context, results);
      return results;
    },
  };
}

/** Reads one event: a stale one is done at once; otherwise what it asks, checked. */
async function readIntent(
  index: number,
  event: ClaimedEvent,
  current: EnrollmentRow | undefined,
  settings: EnrollmentSettings,
  context: HandlerContext,
): Promise<Intent | { done: HandlerOutcome }> {
  const { operation, data } = readRecordEvent(event);
  const stale = await staleReason(context.db, event, data.Modified_Time, current?.zoho_modified_time);
  if (stale) return { done: { result: { local: 'skipped', reason: stale } } };
  validateFieldLengths(ENROLLMENT_FIELDS, event.record_id, data);
  const merged = mergeEnrollment(data, current);
  if (operation === 'delete') {
    return { index, event, data, current, merged, local: current ? 'deleted' : 'deleted_unknown_record' };
  }
  const parties = requireParties(event.record_id, merged);
  const times = enrolmentTimes({
    recordId: event.record_id,
    startDate: merged.startDate,
    endDate: merged.endDate,
    timeZone: settings.timeZone,
  });
  return {
    index,
    event,
    data,
    current,
    merged,
    local: current === undefined ? 'created' : current.deleted_at !== null ? 'restored' : 'updated',
    upsert: { ...parties, times, suspended: isSuspendStatus(merged.status, settings) },
  };
}

/** What each enrollment does in Moodle; one waiting or refused fails only its own event. */
async function planAll(
  intents: Intent[],
  options: EnrollmentHandlerOptions,
  context: HandlerContext,
  results: HandlerResult[],
): Promise<Planned[]> {
  const links = await readEnrolmentLinks(
    options.linksOf,
    context.db,
    intents.flatMap((intent) => (intent.upsert ? [intent.upsert] : [])),
  );
  const planned: Planned[] = [];
  for (const intent of intents) {
    try {
      const previous = intent.current ? storedEnrolment(intent.current) : undefined;
      let plan: EnrolmentPlan;
      if (intent.upsert) {
        const { studentId, classId, times, suspended } = intent.upsert;
        const target = enrolmentTarget({
          recordId: intent.event.record_id,
          studentId,
          classId,
          links,
          active: !suspended,
        });
        plan = decideUpsert({ previous, target, times, suspended, settings: options.settings });
      } else {
        plan = decideDelete({ previous, settings: options.settings });
      }
      planned.push({ recordId: intent.event.record_id, plan, intent });
    } catch (error) {
      results[intent.index] = { ok: false, error };
    }
  }
  return planned;
}

/** Sends every op of the batch, then finishes each event from its ops' outcomes. */
async function sendAll(
  moodle: MoodleClient,
  planned: Planned[],
  context: HandlerContext,
  results: HandlerResult[],
): Promise<void> {
  const outcomes = await sendEnrolments(
    moodle,
    planned.flatMap((p) => p.plan.ops),
  );
  let next = 0;
  const done: Array<{ entry: Planned; warnings: string[] }> = [];
  for (const entry of planned) {
    const read = readOutcomes(entry, outcomes.slice(next, next + entry.plan.ops.length));
    next += entry.plan.ops.length;
    if ('failure' in read) results[entry.intent.index] = { ok: false, error: read.failure };
    else done.push({ entry, warnings: read.warnings });
  }
  const activated = done.flatMap(({ entry }) =>
    activates(entry) && entry.plan.stored ? [entry.plan.stored.userId] : [],
  );
  const suspended = await suspendedAccounts(moodle, activated, context.logger);
  for (const { entry, warnings } of done) {
    const { plan, intent } = entry;
    const stored = plan.stored;
    if (stored && activates(entry) && suspended.has(stored.userId)) {
      warnings.push(
        `Moodle user ${stored.userId} of student ${intent.upsert?.studentId} is enrolled in course ${stored.courseId}, but the account itself is suspended, so the student cannot log in. Reactivate the account (the student's Student_Status in Zoho, see MOODLE_SUSPEND_STATUSES; or in Moodle: Site administration > Users > Browse list of users).`,
      );
    }
    if (entry.keptActiveBy) {
      warnings.push(
        `Moodle user ${stored?.userId} stays active in course ${stored?.courseId}: enrollment ${entry.keptActiveBy} of the same student and class is active, and Moodle keeps one enrolment for both.`,
      );
    }
    results[intent.index] = {
      ok: true,
      outcome: finish(intent, context, { result: moodleResultOf(entry), warnings, stored }),
    };
  }
}

/** Whether the event made an enrolment active in Moodle just now. */
function activates(entry: Planned): boolean {
  return entry.plan.stored?.state === 'active' && entry.plan.ops.length > 0;
}

/**
 * An event's ops as Moodle answered them: the first refusal, explained, fails the event; an enrolment stored
 * in spite of an exception ("Message was not sent.") adds a warning.
 */
function readOutcomes(entry: Planned, outcomes: OpOutcome[]): { failure: unknown } | { warnings: string[] } {
  const warnings = [...entry.plan.warnings];
  for (const [i, op] of entry.plan.ops.entries()) {
    const outcome = outcomes[i];
    if (!outcome || (outcome.ok && !outcome.notice)) continue;
    const explained = explainEnrolmentFailure(
      outcome.ok ? outcome.notice : outcome.error,
      subjectOf(entry.intent, op.enrolment),
      op.kind === 'unenrol' ? 'unenrol' : 'enrol',
    );
    if (!explained.committed) return { failure: explained.error };
    warnings.push(explained.warning);
  }
  return { warnings };
}

/** The `moodle` part of an event's result: what was done, and the enrolment as Moodle now has it. */
function moodleResultOf(entry: Planned): Record<string, unknown> {
  const { stored } = entry.plan;
  return {
    action: entry.plan.action,
    ...(stored
      ? {
          user_id: stored.userId,
          course_id: stored.courseId,
          role_id: stored.roleId,
          timestart: stored.timestart,
          timeend: stored.timeend,
          state: stored.state,
        }
      : {}),
    ...(entry.keptActiveBy ? { kept_active_by: entry.keptActiveBy } : {}),
  };
}

/** The words an error message uses for the enrolment an op touches. */
function subjectOf(intent: Intent, enrolment: { userid: number; courseid: number; roleid?: number }) {
  const student = intent.merged.studentRecordId;
  const klass = intent.merged.classRecordId;
  return {
    record: `enrollment ${intent.event.record_id} (student ${student ?? '—'}, class ${klass ?? '—'})`,
    user: `student ${student ?? '—'} (Moodle user ${enrolment.userid})`,
    userId: enrolment.userid,
    courseId: enrolment.courseid,
    roleId: enrolment.roleid,
    roleSetting: 'MOODLE_STUDENT_ROLE_ID',
  };
}

/** The event's outcome: its result, and the mirror's write in the completing transaction. */
function finish(
  intent: Intent,
  context: HandlerContext,
  moodle: { result: Record<string, unknown>; warnings: string[]; stored?: EnrolmentPlan['stored'] },
): HandlerOutcome {
  const now = context.now.toISOString();
  const deleting = intent.upsert === undefined;
  return {
    result: { local: intent.local, moodle: moodle.result },
    ...(moodle.warnings.length > 0 ? { warnings: moodle.warnings } : {}),
    apply: (trx) =>
      upsertEnrollment(trx, {
        recordId: intent.event.record_id,
        data: intent.data,
        eventId: intent.event.event_id,
        now,
        deletedAt: deleting ? now : null,
        moodle: moodle.stored,
      }),
  };
}
