import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../../db/schema.js';
import { ProcessingError } from '../../event-log/processing-error.js';
import type { RecordData } from '../zoho-module.js';
import { ENROLLMENT_FIELDS } from './enrollment-fields.js';
import type { EnrollmentRow } from './enrollment-store.js';

/** An enrollment as this delivery leaves it: delivered fields over the stored ones. */
export interface MergedEnrollment {
  studentRecordId: string | null;
  classRecordId: string | null;
  startDate: string | null;
  endDate: string | null;
  status: string | null;
}

/** An event's operation and its record's data as intake stored them. */
export function readEnrollmentEvent(event: ClaimedEvent): { operation: string; data: RecordData } {
  try {
    const parsed = JSON.parse(event.payload) as { data?: RecordData };
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

/** The enrollment after this delivery: a field it carries wins (null = emptied in Zoho), others stay. */
export function mergeEnrollment(data: RecordData, current: EnrollmentRow | undefined): MergedEnrollment {
  const value = (apiName: string, stored: string | null | undefined): string | null => {
    const incoming = data[apiName];
    const text = incoming !== undefined ? incoming : stored;
    return text === undefined || text === null || text.trim() === '' ? null : text.trim();
  };
  return {
    studentRecordId: value('Enrolled_Students', current?.student_record_id),
    classRecordId: value('Classes', current?.class_record_id),
    startDate: value('Start_Date', current?.start_date),
    endDate: value('End_Date', current?.end_date),
    status: value('Enrollment_Status', current?.enrollment_status),
  };
}

/**
 * Why this event must not be applied, if so: a retried event older than one of its record completed since, or
 * a delivery whose Modified_Time is older than the stored one.
 */
export async function staleReason(
  db: Kysely<Database>,
  event: ClaimedEvent,
  incomingModified: string | null | undefined,
  storedModified: string | null | undefined,
): Promise<string | undefined> {
  // Only a retried event (more than one attempt) can be older than a completed one of its record.
  if (event.attempts > 1) {
    const newer = await db
      .selectFrom('integration_events_log')
      .select('event_id')
      .where('module', '=', event.module)
      .where('record_id', '=', event.record_id)
      .where('id', '>', event.id)
      .where('status', '=', 'completed')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (newer) return `superseded by the later event ${newer.event_id}`;
  }
  if (storedModified && incomingModified) {
    const incoming = Date.parse(incomingModified);
    const stored = Date.parse(storedModified);
    if (Number.isFinite(incoming) && Number.isFinite(stored) && incoming < stored) {
      return `stale: Modified_Time ${incomingModified} is older than the stored ${storedModified}`;
    }
  }
  return undefined;
}

/** Fails a delivery whose field is longer than the mirror keeps, naming the field and the limit. */
export function checkFieldLengths(recordId: string, data: RecordData): void {
  for (const field of ENROLLMENT_FIELDS) {
    const value = data[field.apiName];
    if (typeof value === 'string' && value.length > field.maxLength) {
      throw new ProcessingError(
        'validation.field_too_long',
        `${field.apiName} of enrollment ${recordId} has ${value.length} characters; mzi keeps at most ${field.maxLength}. Shorten it in Zoho and save the record.`,
      );
    }
  }
}

/** Fails an enrollment without its student or class, naming the field. */
export function requireParties(
  recordId: string,
  merged: MergedEnrollment,
): { studentId: string; classId: string } {
  const missing = (field: string, what: string) =>
    new ProcessingError(
      `validation.${field.toLowerCase()}_missing`,
      `${field} is empty on enrollment ${recordId}: every enrollment needs its ${what}. Fill in ${field} in Zoho and save the record.`,
    );
  if (merged.studentRecordId === null) throw missing('Enrolled_Students', 'student');
  if (merged.classRecordId === null) throw missing('Classes', 'class');
  return { studentId: merged.studentRecordId, classId: merged.classRecordId };
}
