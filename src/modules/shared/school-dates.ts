import { DateTime, IANAZone } from 'luxon';

/** True for an IANA time zone name the runtime knows (`Asia/Beirut`), false for offsets or typos. */
export function isSchoolTimeZone(name: string): boolean {
  return name !== '' && IANAZone.isValidZone(name) && !/^(utc|gmt)?[+-]/i.test(name);
}

/** A date as Zoho sends it: `2027-01-04` (a date field) or an ISO date-time with its offset. */
export type ZohoDate = string;

/**
 * Unix seconds of a Zoho date in the school's time zone: a date field is that day's midnight there (as
 * Moodle's own date selectors store a course start), a date-time is its instant. Undefined when unreadable.
 */
export function schoolMidnight(value: ZohoDate, timeZone: string): number | undefined {
  const text = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const parsed = dateOnly
    ? DateTime.fromISO(text, { zone: timeZone })
    : DateTime.fromISO(text, { setZone: true });
  return parsed.isValid ? Math.floor(parsed.toSeconds()) : undefined;
}

/**
 * Unix seconds of the midnight that ends a Zoho date in the school's time zone (the start of the next day), so
 * that an enrolment ending on a date still includes that day. A date-time is its instant.
 */
export function schoolEndOfDay(value: ZohoDate, timeZone: string): number | undefined {
  const text = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return schoolMidnight(text, timeZone);
  const parsed = DateTime.fromISO(text, { zone: timeZone }).plus({ days: 1 });
  return parsed.isValid ? Math.floor(parsed.toSeconds()) : undefined;
}
