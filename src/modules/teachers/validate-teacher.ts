import { z } from 'zod';
import { ProcessingError } from '../../event-log/processing-error.js';
import { type TeacherForMoodle, teacherEmail } from './map-teacher.js';

const emailSchema = z.email();

/**
 * The rules a teacher must pass before it is mirrored: an email, Academic_Email or else Email, that is a valid
 * address. Each failure names the field, the record and what to do.
 */
export function validateTeacher(
  teacher: Pick<TeacherForMoodle, 'recordId' | 'academicEmail' | 'email'>,
): void {
  const chosen = teacherEmail(teacher);
  if (!chosen) {
    throw new ProcessingError(
      'teacher.email_missing',
      `Zoho record ${teacher.recordId} has neither an Academic_Email nor an Email: fill in the teacher's Academic Email in Zoho and save the record (or retry this event).`,
    );
  }
  if (!emailSchema.safeParse(chosen.email).success) {
    throw new ProcessingError(
      'teacher.email_invalid',
      `${chosen.field} "${chosen.email.slice(0, 320)}" of Zoho record ${teacher.recordId} is not a valid email address: correct it in Zoho and save the record.`,
    );
  }
}
