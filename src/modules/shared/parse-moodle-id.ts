import { ProcessingError } from '../../event-log/processing-error.js';

/**
 * A Moodle id given in a Zoho field (MoodleID, Moodle_Class_ID): a positive whole number, written plainly or as
 * Zoho may format a number field ("1,234", "12.0"). Anything else fails the event naming the field and value.
 */
export function parseMoodleId(value: string, field: string, record: string): number {
  const text = value.trim().replace(/,/g, '');
  const id = /^\d+(\.0+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new ProcessingError(
      'validation.moodle_id_invalid',
      `${field} "${value.slice(0, 64)}" of ${record} is not a Moodle id (a whole number such as 42): correct or empty ${field} in Zoho and save the record.`,
    );
  }
  return id;
}
