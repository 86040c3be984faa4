import { ProcessingError } from '../../event-log/processing-error.js';
import { schoolEndOfDay, schoolMidnight } from '../shared/school-dates.js';

/** An enrolment's period in Unix seconds; 0 means open-ended, as Moodle stores it. */
export interface EnrolmentTimes {
  timestart: number;
  timeend: number;
}

/**
 * The enrolment's period from Zoho's dates, in the school's time zone: it starts at the midnight that begins
 * Start_Date and ends at the midnight that ends End_Date, so that the last day is included (issue 17, item 4).
 * An unreadable date or an end before the start fails the event, naming the field and value.
 */
export function enrolmentTimes(options: {
  recordId: string;
  startDate: string | null;
  endDate: string | null;
  timeZone: string;
}): EnrolmentTimes {
  const { recordId, timeZone } = options;
  const read = (field: 'Start_Date' | 'End_Date', value: string | null): number => {
    if (value === null || value.trim() === '') return 0;
    const seconds =
      field === 'Start_Date' ? schoolMidnight(value, timeZone) : schoolEndOfDay(value, timeZone);
    if (seconds === undefined) {
      throw new ProcessingError(
        'validation.date_invalid',
        `${field} "${value.slice(0, 64)}" of enrollment ${recordId} is not a date mzi can read (expected YYYY-MM-DD or an ISO date-time): correct it in Zoho and save the record.`,
      );
    }
    return seconds;
  };
  const timestart = read('Start_Date', options.startDate);
  const timeend = read('End_Date', options.endDate);
  if (timestart > 0 && timeend > 0 && timeend <= timestart) {
    throw new ProcessingError(
      'validation.dates_reversed',
      `End_Date ${options.endDate} of enrollment ${recordId} is before its Start_Date ${options.startDate}: Moodle would never open the course to the student. Correct the dates in Zoho and save the record.`,
    );
  }
  return { timestart, timeend };
}
