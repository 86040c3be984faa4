import type { IncomingDelivery } from '../../../webhooks/create-event-appender.js';
import type { Operation } from '../../../webhooks/normalize-operation.js';
import type { RecordData } from '../../zoho-module.js';
import { GRADE_MODULE } from '../grade-fields.js';

/** The event source of everything read from Moodle rather than delivered by Zoho. */
export const MOODLE_SOURCE = 'moodle';

/**
 * A grade change as intake's delivery: source `moodle`, the composite key as record id (so one student's grade
 * in one assignment is processed in order), and a delivery id made of user, course, assignment, attempt and
 * grade time, so the same grade read twice is one event.
 */
export function gradeDelivery(options: {
  key: string;
  operation: Operation;
  deliveryId: string;
  data: RecordData;
  /** What Moodle answered for this grade, kept as the event's raw body. */
  moodle: unknown;
}): IncomingDelivery {
  return {
    normalized: {
      module: GRADE_MODULE,
      recordId: options.key,
      operation: options.operation,
      operationSource: 'moodle',
      invalidOperation: undefined,
      data: options.data,
      deliveryId: options.deliveryId,
      warnings: [],
      format: 'json',
    },
    source: MOODLE_SOURCE,
    rawBody: JSON.stringify(options.moodle),
    contentType: 'application/json',
    headers: {},
  };
}

/**
 * The delivery id of a grade as Moodle holds it now; a resync's (`runId`) is its own, so that it is sent again.
 */
export function gradeDeliveryId(
  parts: { userId: number; courseId: number; assignmentId: number; attempt: number; gradedAt: number },
  kind: 'graded' | 'removed' | 'assignment-deleted',
  runId?: string,
): string {
  const prefix = runId === undefined ? 'moodle:grade' : `moodle:grade-resync:${runId}`;
  const base = `${prefix}:${parts.userId}:${parts.courseId}:${parts.assignmentId}:${parts.attempt}:${parts.gradedAt}`;
  return kind === 'graded' ? base : `${base}:${kind}`;
}
