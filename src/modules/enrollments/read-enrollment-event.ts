import { ProcessingError } from '../../event-log/processing-error.js';
import { mergedValue } from '../shared/read-record-event.js';
import type { RecordData } from '../zoho-module.js';
import type { EnrollmentRow } from './enrollment-store.js';

/** An enrollment as this delivery leaves it: delivered fields over the stored ones. */
export interface MergedEnrollment {
  studentRecordId: string | null;
  classRecordId: string | null;
  startDate: string | null;
  endDate: string | null;
  status: string | null;
}

/** The enrollment after this delivery: a field it carries wins (null = emptied in Zoho), others stay. */
export function mergeEnrollment(data: RecordData, current: EnrollmentRow | undefined): MergedEnrollment {
  const value = (apiName: string, stored: string | null | undefined) => mergedValue(data, apiName, stored);
  return {
    studentRecordId: value('Enrolled_Students', current?.student_record_id),
    classRecordId: value('Classes', current?.class_record_id),
    startDate: value('Start_Date', current?.start_date),
    endDate: value('End_Date', current?.end_date),
    status: value('Enrollment_Status', current?.enrollment_status),
  };
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
