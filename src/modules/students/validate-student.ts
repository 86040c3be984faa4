import { z } from 'zod';
import { ProcessingError } from '../../event-log/processing-error.js';

const emailSchema = z.email();

export interface StudentForValidation {
  recordId: string;
  academicEmail: string | null | undefined;
}

/**
 * The rules a student must pass before it is mirrored (DESIGN.md §4). Each failure names the field, the record
 * and what to do; the uniqueness of Student_ID_Number is checked where it is written (`upsertStudent`).
 */
export function validateStudent(student: StudentForValidation): void {
  const email = student.academicEmail;
  if (email === null || email === undefined || email === '') {
    throw new ProcessingError(
      'validation.academic_email_missing',
      `Academic_Email is required, but Zoho record ${student.recordId} has none: fill in the student's Academic Email in Zoho and save the record (or retry this event).`,
    );
  }
  if (!emailSchema.safeParse(email).success) {
    throw new ProcessingError(
      'validation.academic_email_invalid',
      `Academic_Email "${email.slice(0, 320)}" of Zoho record ${student.recordId} is not a valid email address: correct it in Zoho and save the record.`,
    );
  }
}
