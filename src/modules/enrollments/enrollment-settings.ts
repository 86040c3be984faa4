import { z } from 'zod';
import { isSchoolTimeZone } from '../shared/school-dates.js';
import { listSetting, moodleIdSetting } from '../shared/setting-types.js';
import type { ModuleSettings } from '../zoho-module.js';

/** How enrollments become Moodle enrolments. */
export interface EnrollmentSettings {
  /** The role students get in their course (`MOODLE_STUDENT_ROLE_ID`; 5 on a fresh site). */
  readonly studentRoleId: number;
  /** Enrollment_Status values, lower-cased, that suspend the enrolment instead of activating it. */
  readonly suspendStatuses: readonly string[];
  /** What a deleted enrollment does to the Moodle enrolment. */
  readonly onUnenrol: 'suspend' | 'unenrol';
  /** Longest an enrollment waits for its student and class, in seconds (`ENROLMENT_WAIT_MAX`). */
  readonly waitLimitSeconds: number;
  /** The school's IANA time zone, in which Zoho dates are read (`SCHOOL_TIMEZONE`). */
  readonly timeZone: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds, or a number with a unit (90s, 30m, 24h, 7d), as the core's durations are written. */
const duration = (fallbackSeconds: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallbackSeconds;
      const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
      const seconds = match ? Number(match[1]) * (UNITS[match[2] || 's'] ?? 1) : 0;
      if (seconds < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration of at least 1 second such as 3600, 90s, 30m, 24h or 7d, got "${value}"`,
        });
        return z.NEVER;
      }
      return seconds;
    });

const schema = z
  .object({
    MOODLE_STUDENT_ROLE_ID: moodleIdSetting(5),
    MOODLE_ENROLMENT_SUSPEND_STATUSES: listSetting('Withdrawn,Dropped,Cancelled'),
    MOODLE_ON_UNENROL: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const mode = (value ?? '').trim().toLowerCase() || 'suspend';
        if (mode === 'suspend' || mode === 'unenrol') return mode;
        ctx.addIssue({ code: 'custom', message: `must be suspend or unenrol, got "${value}"` });
        return z.NEVER;
      }),
    ENROLMENT_WAIT_MAX: duration(24 * 3600),
    // Documented with the classes module, which reads the same variable for course dates.
    SCHOOL_TIMEZONE: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const zone = (value ?? '').trim() || 'UTC';
        if (isSchoolTimeZone(zone)) return zone;
        ctx.addIssue({
          code: 'custom',
          message: `must be an IANA time zone name such as Asia/Beirut or Europe/London (not an offset), got "${value}"`,
        });
        return z.NEVER;
      }),
  })
  .transform(
    (e): EnrollmentSettings => ({
      studentRoleId: e.MOODLE_STUDENT_ROLE_ID,
      // Statuses compare case-insensitively, as students' MOODLE_SUSPEND_STATUSES do.
      suspendStatuses: e.MOODLE_ENROLMENT_SUSPEND_STATUSES.map((status) => status.toLowerCase()),
      onUnenrol: e.MOODLE_ON_UNENROL,
      waitLimitSeconds: e.ENROLMENT_WAIT_MAX,
      timeZone: e.SCHOOL_TIMEZONE,
    }),
  );

/** The enrollments module's settings section (README, configuration table). */
export const ENROLLMENT_SETTINGS: ModuleSettings<EnrollmentSettings> = {
  schema,
  documented: [
    [
      'MOODLE_STUDENT_ROLE_ID',
      '`5`',
      "enrollments: id of the Moodle role students get in their class's course (Define roles lists them)",
    ],
    [
      'MOODLE_ENROLMENT_SUSPEND_STATUSES',
      '`Withdrawn,Dropped,Cancelled`',
      'enrollments: Enrollment_Status values (any case) that suspend the enrolment; others (re)activate it',
    ],
    [
      'MOODLE_ON_UNENROL',
      '`suspend`',
      'enrollments: a deleted enrollment suspends the Moodle enrolment, or removes it (`unenrol`)',
    ],
    [
      'ENROLMENT_WAIT_MAX',
      '`24h`',
      'enrollments: how long an enrollment waits for its student and class to be in Moodle, then fails',
    ],
  ],
};
