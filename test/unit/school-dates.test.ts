import { describe, expect, it } from 'vitest';
import { isSchoolTimeZone, schoolEndOfDay, schoolMidnight } from '../../src/modules/shared/school-dates.js';

describe('school dates', () => {
  it('reads a Zoho date as midnight in the school time zone, across daylight saving', () => {
    // Beirut is UTC+2 in winter and UTC+3 in summer.
    expect(schoolMidnight('2027-01-04', 'Asia/Beirut')).toBe(Date.UTC(2027, 0, 3, 22) / 1000);
    expect(schoolMidnight('2027-07-05', 'Asia/Beirut')).toBe(Date.UTC(2027, 6, 4, 21) / 1000);
    expect(schoolMidnight('2027-01-04', 'UTC')).toBe(Date.UTC(2027, 0, 4) / 1000);
    expect(schoolMidnight('2027-01-04', 'America/New_York')).toBe(Date.UTC(2027, 0, 4, 5) / 1000);
  });

  it('ends a date at the next midnight there, so the last day is included', () => {
    expect(schoolEndOfDay('2027-06-30', 'Asia/Beirut')).toBe(Date.UTC(2027, 5, 30, 21) / 1000);
    // The night the clocks go back in New York (2027-11-07) lasts 25 hours.
    expect(schoolEndOfDay('2027-11-07', 'America/New_York')).toBe(Date.UTC(2027, 10, 8, 5) / 1000);
  });

  it('keeps the instant of a date-time with its offset', () => {
    expect(schoolMidnight('2027-01-04T09:30:00+02:00', 'America/New_York')).toBe(
      Date.UTC(2027, 0, 4, 7, 30) / 1000,
    );
  });

  it('refuses what is not a date', () => {
    expect(schoolMidnight('04/01/2027', 'UTC')).toBeUndefined();
    expect(schoolMidnight('2027-02-30', 'UTC')).toBeUndefined();
    expect(schoolEndOfDay('soon', 'UTC')).toBeUndefined();
  });

  it('accepts IANA names only', () => {
    expect(isSchoolTimeZone('Asia/Beirut')).toBe(true);
    expect(isSchoolTimeZone('UTC')).toBe(true);
    expect(isSchoolTimeZone('Mars/Olympus')).toBe(false);
    expect(isSchoolTimeZone('+02:00')).toBe(false);
    expect(isSchoolTimeZone('')).toBe(false);
  });
});
