import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database, StudentRow } from '../../db/schema.js';
import { ProcessingError } from '../../event-log/processing-error.js';
import type {
  BatchEventHandler,
  HandlerContext,
  HandlerOutcome,
  HandlerResult,
} from '../../worker/event-handler.js';
import type { StudentForMoodle } from './map-student.js';
import type { StudentProvisioner } from './provision-student.js';
import type { Provisioned, ProvisionInput, ProvisionResult } from './provisioning.js';
import { STUDENT_FIELDS, type StudentData } from './student-fields.js';
import { assertStudentIdAvailable, findMoodleHolders, findStudents, upsertStudent } from './student-store.js';
import { validateFieldLengths, validateStudent } from './validate-student.js';

interface StudentPayload {
  operation: string;
  data: StudentData;
}

const MOODLE_NOT_CONFIGURED = {
  action: 'skipped',
  reason: 'Moodle is not configured (MOODLE_URL is empty): only the local mirror was updated.',
};

export interface StudentHandlerOptions {
  /** Absent when Moodle is not configured: the event then says so in its result. */
  provisioner?: StudentProvisioner | undefined;
}

/** What one event needs from Moodle, and how its outcome is finished once Moodle has answered. */
type Step =
  | { done: HandlerOutcome }
  | {
      kind: 'upsert' | 'delete';
      input: ProvisionInput;
      finish: (moodle: Provisioned | undefined) => HandlerOutcome;
    };

/**
 * Processes BTEC_Students events, a batch at a time: validate, provision Moodle (batched, when configured),
 * then mirror locally in the transaction that completes the events. Moodle is called outside any transaction.
 */
export function createStudentHandler(options: StudentHandlerOptions = {}): BatchEventHandler {
  const { provisioner } = options;

  async function planStep(
    event: ClaimedEvent,
    current: StudentRow | undefined,
    context: HandlerContext,
  ): Promise<Step> {
    const payload = parsePayload(event);
    const now = context.now.toISOString();
    const { db } = context;

    // Only a retried event (more than one attempt) can be older than a completed one of its record.
    const newer =
      event.attempts > 1 &&
      (await db
        .selectFrom('integration_events_log')
        .select('event_id')
        .where('module', '=', event.module)
        .where('record_id', '=', event.record_id)
        .where('id', '>', event.id)
        .where('status', '=', 'completed')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst());
    if (newer) {
      // A retried old event must not overwrite what a later event already applied.
      return {
        done: { result: { local: 'skipped', reason: `superseded by the later event ${newer.event_id}` } },
      };
    }

    const incomingModified = payload.data.Modified_Time;
    if (
      current?.zoho_modified_time &&
      incomingModified &&
      isOlder(incomingModified, current.zoho_modified_time)
    ) {
      return {
        done: {
          result: {
            local: 'skipped',
            reason: `stale: Modified_Time ${incomingModified} is older than the stored ${current.zoho_modified_time}`,
          },
        },
      };
    }

    validateFieldLengths(event.record_id, payload.data);
    const merged = mergeStudent(event.record_id, current, payload.data);
    const input: ProvisionInput = {
      student: merged,
      givenMoodleUserId: nonEmpty(payload.data.Moodle_User_ID),
      knownMoodleUserId: current?.moodle_user_id ?? null,
      knownOwnership: current?.moodle_ownership ?? null,
    };

    if (payload.operation === 'delete') {
      return {
        kind: 'delete',
        input,
        finish: (moodle) => ({
          result: {
            local: current ? 'deleted' : 'deleted_unknown_record',
            moodle: moodle?.outcome ?? MOODLE_NOT_CONFIGURED,
          },
          apply: (trx) =>
            upsertStudent(trx, {
              recordId: event.record_id,
              data: payload.data,
              eventId: event.event_id,
              now,
              deletedAt: now,
              ...(moodle?.outcome.action === 'deleted'
                ? { moodleUserId: null, moodleOwnership: null }
                : moodle?.outcome.ownership
                  ? { moodleOwnership: moodle.outcome.ownership }
                  : {}),
            }),
        }),
      };
    }

    validateStudent({ recordId: event.record_id, academicEmail: merged.email });
    // Checked before Moodle too: a taken Student_ID_Number would otherwise find the other student's account.
    if (provisioner) await assertStudentIdAvailable(db, event.record_id, merged.studentIdNumber);
    const action = current === undefined ? 'created' : current.deleted_at !== null ? 'restored' : 'updated';
    return {
      kind: 'upsert',
      input,
      finish: (moodle) => {
        const userId = moodle?.outcome.user_id;
        const ownership = moodle?.outcome.ownership;
        return {
          result: { local: action, moodle: moodle?.outcome ?? MOODLE_NOT_CONFIGURED },
          ...(moodle && moodle.warnings.length > 0 ? { warnings: moodle.warnings } : {}),
          apply: (trx: Kysely<Database>) =>
            upsertStudent(trx, {
              recordId: event.record_id,
              data: payload.data,
              eventId: event.event_id,
              now,
              deletedAt: null,
              ...(userId !== undefined && ownership !== undefined
                ? { moodleUserId: String(userId), moodleOwnership: ownership }
                : {}),
            }),
        };
      },
    };
  }

  return {
    async handleBatch(events, context) {
      const results: HandlerResult[] = new Array(events.length);
      const currents = await findStudents(
        context.db,
        events.map((event) => event.record_id),
      );
      const pending: Array<{ index: number; step: Extract<Step, { kind: string }> }> = [];
      for (const [index, event] of events.entries()) {
        try {
          const step = await planStep(event, currents.get(event.record_id), context);
          if ('done' in step) results[index] = { ok: true, outcome: step.done };
          else pending.push({ index, step });
        } catch (error) {
          results[index] = { ok: false, error };
        }
      }
      const finish = (
        index: number,
        step: Extract<Step, { kind: string }>,
        moodle: ProvisionResult | undefined,
      ) => {
        if (moodle && !moodle.ok) results[index] = { ok: false, error: moodle.error };
        else {
          try {
            results[index] = { ok: true, outcome: step.finish(moodle) };
          } catch (error) {
            results[index] = { ok: false, error };
          }
        }
      };
      if (!provisioner) {
        for (const { index, step } of pending) finish(index, step, undefined);
        return results;
      }
      const upserts = pending.filter((p) => p.step.kind === 'upsert');
      const deletes = pending.filter((p) => p.step.kind === 'delete');
      const [upserted, removed] = await Promise.all([
        provisioner.upsertMany(
          upserts.map((p) => p.step.input),
          { holdersOf: (ids) => findMoodleHolders(context.db, ids) },
        ),
        Promise.all(
          deletes.map((p) =>
            provisioner.remove(p.step.input).then(
              (done): ProvisionResult => ({ ok: true, ...done }),
              (error: unknown): ProvisionResult => ({ ok: false, error }),
            ),
          ),
        ),
      ]);
      for (const [i, p] of upserts.entries()) finish(p.index, p.step, upserted[i]);
      for (const [i, p] of deletes.entries()) finish(p.index, p.step, removed[i]);
      return results;
    },
  };
}

/** The student after this delivery: its fields where it carries them, the stored ones elsewhere. */
function mergeStudent(
  recordId: string,
  current: StudentRow | undefined,
  data: StudentData,
): StudentForMoodle {
  const value = (apiName: string): string | null => {
    const incoming = data[apiName];
    if (incoming !== undefined) return incoming;
    const field = STUDENT_FIELDS.find((f) => f.apiName === apiName);
    return field && current ? (current[field.column] ?? null) : null;
  };
  return {
    recordId,
    studentIdNumber: value('Student_ID_Number'),
    email: value('Academic_Email'),
    name: value('Name'),
    phone: value('Phone'),
    city: value('City'),
    country: value('Country'),
    status: value('Student_Status'),
  };
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}

function parsePayload(event: ClaimedEvent): StudentPayload {
  try {
    const parsed = JSON.parse(event.payload) as Partial<StudentPayload>;
    return { operation: event.event_type, data: parsed.data ?? {} };
  } catch (error) {
    throw new ProcessingError(
      'worker.payload_unreadable',
      'The stored payload of this event is not valid JSON.',
      {
        cause: error,
      },
    );
  }
}

/** Compares Zoho timestamps (ISO 8601 with offset); unparseable values never count as older. */
function isOlder(incoming: string, stored: string): boolean {
  const a = Date.parse(incoming);
  const b = Date.parse(stored);
  return Number.isFinite(a) && Number.isFinite(b) && a < b;
}
