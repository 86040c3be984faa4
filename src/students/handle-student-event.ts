import type { EventRow } from '../db/schema.js';
import { ProcessingError } from '../event-log/processing-error.js';
import type { EventHandler, HandlerOutcome } from '../worker/event-handler.js';
import type { StudentData } from './student-fields.js';
import { findStudent, upsertStudent } from './student-store.js';
import { validateStudent } from './validate-student.js';

interface StudentPayload {
  operation: string;
  data: StudentData;
}

const MOODLE_NOT_CONFIGURED = {
  action: 'skipped',
  reason: 'Moodle is not configured (MOODLE_URL is empty): only the local mirror was updated.',
};

/** Processes BTEC_Students events: validate, then mirror locally (and, when configured, provision Moodle). */
export function createStudentHandler(): EventHandler {
  return async (event, context): Promise<HandlerOutcome> => {
    const payload = parsePayload(event);
    const now = context.now.toISOString();

    const newer = await context.db
      .selectFrom('integration_events_log')
      .select('event_id')
      .where('module', '=', event.module)
      .where('record_id', '=', event.record_id)
      .where('id', '>', event.id)
      .where('status', '=', 'completed')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (newer) {
      // A retried old event must not overwrite what a later event already applied.
      return { result: { local: 'skipped', reason: `superseded by the later event ${newer.event_id}` } };
    }

    const current = await findStudent(context.db, event.record_id);
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

    if (payload.operation === 'delete') {
      return {
        result: { local: current ? 'deleted' : 'deleted_unknown_record', moodle: MOODLE_NOT_CONFIGURED },
        apply: (trx) =>
          upsertStudent(trx, {
            recordId: event.record_id,
            data: payload.data,
            eventId: event.event_id,
            now,
            deletedAt: now,
          }),
      };
    }

    const email =
      payload.data.Academic_Email !== undefined ? payload.data.Academic_Email : current?.academic_email;
    validateStudent({ recordId: event.record_id, academicEmail: email });
    const action = current === undefined ? 'created' : current.deleted_at !== null ? 'restored' : 'updated';
    return {
      result: { local: action, moodle: MOODLE_NOT_CONFIGURED },
      apply: (trx) =>
        upsertStudent(trx, {
          recordId: event.record_id,
          data: payload.data,
          eventId: event.event_id,
          now,
          deletedAt: null,
        }),
    };
  };
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
