import type { Kysely } from 'kysely';
import type { Database, EventRow, StudentRow } from '../db/schema.js';
import { ProcessingError } from '../event-log/processing-error.js';
import type { StudentForMoodle } from '../moodle/map-student.js';
import type { StudentProvisioner } from '../moodle/provision-student.js';
import type { EventHandler, HandlerOutcome } from '../worker/event-handler.js';
import { STUDENT_FIELDS, type StudentData } from './student-fields.js';
import { assertStudentIdAvailable, findStudent, upsertStudent } from './student-store.js';
import { validateStudent } from './validate-student.js';

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

/**
 * Processes BTEC_Students events: validate, provision Moodle (when configured), then mirror locally in the
 * transaction that completes the event. Moodle is called outside any database transaction.
 */
export function createStudentHandler(options: StudentHandlerOptions = {}): EventHandler {
  const { provisioner } = options;
  return async (event, context): Promise<HandlerOutcome> => {
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
      return { result: { local: 'skipped', reason: `superseded by the later event ${newer.event_id}` } };
    }

    const current = await findStudent(db, event.record_id);
    const incomingModified = payload.data.Modified_Time;
    if (
      current?.zoho_modified_time &&
      incomingModified &&
      isOlder(incomingModified, current.zoho_modified_time)
    ) {
      return {
        result: {
          local: 'skipped',
          reason: `stale: Modified_Time ${incomingModified} is older than the stored ${current.zoho_modified_time}`,
        },
      };
    }

    const merged = mergeStudent(event.record_id, current, payload.data);
    const moodleInput = {
      student: merged,
      givenMoodleUserId: nonEmpty(payload.data.Moodle_User_ID),
      knownMoodleUserId: current?.moodle_user_id ?? null,
    };

    if (payload.operation === 'delete') {
      const moodle = provisioner ? await provisioner.remove(moodleInput) : undefined;
      const moodleUserId = moodle?.outcome.action === 'deleted' ? null : undefined;
      return {
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
            ...(moodleUserId === null ? { moodleUserId } : {}),
          }),
      };
    }

    validateStudent({ recordId: event.record_id, academicEmail: merged.email });
    // Checked before Moodle too: a taken Student_ID_Number would otherwise find the other student's account.
    if (provisioner) await assertStudentIdAvailable(db, event.record_id, merged.studentIdNumber);
    const moodle = provisioner ? await provisioner.upsert(moodleInput) : undefined;
    const action = current === undefined ? 'created' : current.deleted_at !== null ? 'restored' : 'updated';
    const userId = moodle?.outcome.user_id;
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
          ...(userId !== undefined ? { moodleUserId: String(userId) } : {}),
        }),
    };
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

function parsePayload(event: EventRow): StudentPayload {
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
