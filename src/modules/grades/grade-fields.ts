import type { ModuleField } from '../zoho-module.js';

/** The Zoho CRM module grades go to (issue 20). */
export const GRADE_MODULE = 'BTEC_Grades';

/** The Zoho field each grade record is matched on: `{userid}_{courseid}_{assignid}`. */
export const GRADE_KEY_FIELD = 'Moodle_Grade_Composite_Key';

/** The longest feedback mzi sends: the size of Zoho's large multi-line field. */
export const MAX_FEEDBACK_LENGTH = 32_000;

/**
 * A grade event's data: what Moodle said of one student's grade in one assignment, as the poll read it, and the
 * Zoho records it belongs to as the mirrors knew them then. Grades, feedback and the grader's name are personal.
 */
export const GRADE_FIELDS: readonly ModuleField[] = [
  { apiName: 'Moodle_User_ID', label: 'Moodle user id', personal: false, maxLength: 20 },
  { apiName: 'Moodle_Course_ID', label: 'Moodle course id', personal: false, maxLength: 20 },
  { apiName: 'Moodle_Assignment_ID', label: 'Moodle assignment id', personal: false, maxLength: 20 },
  { apiName: 'Assignment_Name', label: 'Assignment', personal: false, maxLength: 255 },
  { apiName: 'Course_Idnumber', label: 'Course idnumber', personal: false, maxLength: 100 },
  { apiName: 'Student', label: 'Student (Zoho id)', personal: false, maxLength: 128, lookup: true },
  { apiName: 'Class', label: 'Class (Zoho id)', personal: false, maxLength: 128, lookup: true },
  { apiName: 'Attempt', label: "Moodle's attempt number (from 0)", personal: false, maxLength: 10 },
  { apiName: 'Grade_Kind', label: 'scale or points', personal: false, maxLength: 10 },
  { apiName: 'Moodle_Grade', label: "Moodle's grade", personal: true, maxLength: 32 },
  { apiName: 'Scale_Item', label: 'Scale item', personal: true, maxLength: 255 },
  { apiName: 'Grade_Max', label: 'Maximum grade', personal: false, maxLength: 32 },
  { apiName: 'Feedback', label: 'Feedback', personal: true, maxLength: MAX_FEEDBACK_LENGTH },
  { apiName: 'Grader_Name', label: 'Grader', personal: true, maxLength: 255 },
  { apiName: 'Graded_At', label: 'Graded at (UTC)', personal: false, maxLength: 32 },
];

/** The composite key of a student's grade in an assignment of a course. */
export function gradeKey(userId: number, courseId: number, assignmentId: number): string {
  return `${userId}_${courseId}_${assignmentId}`;
}
