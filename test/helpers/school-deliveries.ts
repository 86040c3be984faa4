import { expect } from 'vitest';
import type { Service } from '../../src/main.js';
import { customStudentBody, eventRow } from './deliveries.js';

/** How a delivery is sent: the three body shapes Zoho can send (README, "The webhook"). */
export type BodyShape = 'custom' | 'form' | 'flat';

/**
 * Posts a Zoho-shaped delivery of a record to a module's webhook through the real app, in one of the three body
 * shapes, and returns its event id.
 */
export async function postRecord(
  service: Service,
  module: string,
  record: { recordId: string; operation: string; data: Record<string, unknown> },
  shape: BodyShape = 'custom',
): Promise<string> {
  const notificationId = `${record.recordId}_${Date.now()}_${Math.random()}`;
  let payload: string;
  let contentType = 'application/json';
  if (shape === 'custom') {
    payload = JSON.stringify({
      notification_id: notificationId,
      operation: record.operation,
      record_id: record.recordId,
      data: record.data,
    });
  } else if (shape === 'flat') {
    payload = JSON.stringify({ id: record.recordId, operation: record.operation, ...record.data });
  } else {
    contentType = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams({ id: record.recordId, operation: record.operation });
    for (const [key, value] of Object.entries(record.data)) form.append(key, String(value ?? ''));
    payload = form.toString();
  }
  const response = await service.app.inject({
    method: 'POST',
    url: `/api/v1/events/zoho/${module}`,
    headers: { 'content-type': contentType },
    payload,
  });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { event_id: string }).event_id;
}

let sequence = 0;

/** A student with a fresh record id, Student_ID_Number and email. */
export function studentRecord(recordId: string, data: Record<string, unknown> = {}) {
  sequence += 1;
  const body = customStudentBody({
    recordId,
    data: {
      Student_ID_Number: `ENR-${recordId}-${sequence}`,
      Academic_Email: `s${recordId}.${sequence}@student.example.edu`,
      ...data,
    },
  });
  return { recordId, operation: 'insert', data: body.data as Record<string, unknown> };
}

/** An Active class with a short name of its own. */
export function classRecord(recordId: string, data: Record<string, unknown> = {}) {
  return {
    recordId,
    operation: 'insert',
    data: {
      Class_Name: `BTEC IT ${recordId}`,
      Class_Short_Name: `IT-${recordId}`,
      Class_Status: 'Active',
      Start_Date: '2027-01-04',
      End_Date: '2027-06-30',
      ...data,
    },
  };
}

/** An enrollment of a student in a class. */
export function enrollmentRecord(
  recordId: string,
  parties: { student: unknown; class: unknown },
  data: Record<string, unknown> = {},
  operation = 'insert',
) {
  return {
    recordId,
    operation,
    data: {
      Enrolled_Students: parties.student,
      Classes: parties.class,
      Start_Date: '2027-01-04',
      End_Date: '2027-06-30',
      Enrollment_Status: 'Active',
      Enrollment_Type: 'Full time',
      ...data,
    },
  };
}

/** An event's `result`: what was done locally and in Moodle. */
type EventResult = Record<string, unknown> & { moodle?: Record<string, unknown> };

/** The event row of an event id, its result and warnings parsed. */
export async function eventOf(service: Service, eventId: string) {
  const row = await eventRow(service.database.db, eventId);
  return {
    ...row,
    resultJson: JSON.parse(row.result ?? 'null') as EventResult | null,
    warningList: JSON.parse(row.warnings ?? '[]') as string[],
  };
}
