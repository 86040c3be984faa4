import { ProcessingError } from '../../event-log/processing-error.js';
import { schoolMidnight } from '../shared/school-dates.js';
import type { ClassSettings } from './class-settings.js';
import { type ClassState, classLabel } from './class-state.js';

/** The course a class should be, as far as the class itself says (category and visibility are decided apart). */
export interface DesiredCourse {
  readonly fullname: string;
  readonly shortname: string;
  /** True when the shortname was derived because Class_Short_Name is empty. */
  readonly shortnameDerived: boolean;
  readonly idnumber: string;
  /** Both or neither: Moodle skips an update whose enddate comes without startdate (transcript 120). */
  readonly dates: { readonly startdate: number; readonly enddate: number } | undefined;
  readonly warnings: string[];
}

/** The course idnumber of a class: its only link to the course. */
export function courseIdnumber(settings: Pick<ClassSettings, 'idnumberPrefix'>, recordId: string): string {
  return `${settings.idnumberPrefix}${recordId}`;
}

/**
 * A shortname for a class without Class_Short_Name: its Class_Name with the Zoho record id in parentheses,
 * "BTEC IT Level 3 (5725767000000123456)". Long, but never the same for two classes, as Moodle requires.
 */
export function deriveShortname(name: string, recordId: string): string {
  const suffix = ` (${recordId})`;
  const base = name.replace(/\s+/g, ' ').trim();
  return `${base.slice(0, 255 - suffix.length).trimEnd()}${suffix}`;
}

/**
 * What the class says its course is: fullname = Class_Name, shortname = Class_Short_Name or derived, the
 * idnumber, and startdate/enddate as midnights in SCHOOL_TIMEZONE. Fails naming the field when the class cannot
 * be a course (no Class_Name, a date that is not one, an end before the start).
 */
export function desiredCourse(state: ClassState, settings: ClassSettings): DesiredCourse {
  const label = classLabel(state);
  if (state.name === null) {
    throw new ProcessingError(
      'validation.class_name_missing',
      `${label} has no Class_Name, which is its Moodle course's full name. Fill in Class_Name in Zoho and save the record.`,
    );
  }
  const warnings: string[] = [];
  const start = readDate(state.startDate, 'Start_Date', label, settings.timeZone);
  const end = readDate(state.endDate, 'End_Date', label, settings.timeZone);
  let dates: DesiredCourse['dates'];
  if (start !== undefined) {
    if (end !== undefined && end < start) {
      throw new ProcessingError(
        'validation.class_dates',
        `End_Date ${state.endDate} of ${label} is before its Start_Date ${state.startDate}: correct the dates in Zoho and save the record.`,
      );
    }
    // No End_Date: the course has no end date (Moodle's 0).
    dates = { startdate: start, enddate: end ?? 0 };
  } else if (end !== undefined) {
    warnings.push(
      `End_Date ${state.endDate} of ${label} was not sent to Moodle: a course can only have an end date with a start date. Fill in Start_Date in Zoho.`,
    );
  }
  return {
    fullname: state.name,
    shortname: state.shortName ?? deriveShortname(state.name, state.recordId),
    shortnameDerived: state.shortName === null,
    idnumber: courseIdnumber(settings, state.recordId),
    dates,
    warnings,
  };
}

function readDate(value: string | null, field: string, label: string, timeZone: string): number | undefined {
  if (value === null) return undefined;
  const seconds = schoolMidnight(value, timeZone);
  if (seconds === undefined) {
    throw new ProcessingError(
      'validation.class_dates',
      `${field} "${value.slice(0, 64)}" of ${label} is not a date (Zoho sends YYYY-MM-DD): correct it in Zoho and save the record.`,
    );
  }
  return seconds;
}
