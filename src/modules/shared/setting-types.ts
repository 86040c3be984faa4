import { z } from 'zod';
import { isSchoolTimeZone } from './school-dates.js';

/** Settings parsers shared by module settings sections: each reads one environment variable's text. */

/** `true`/`false` (also 1/0, yes/no, on/off), or the default when unset or empty. */
export const booleanSetting = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const v = value.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false, got "${value}"` });
      return z.NEVER;
    });

/** A Moodle id (a whole number from `min`), or `fallback` when unset or empty. */
export const moodleIdSetting = <F extends number | undefined>(fallback: F, min = 1) =>
  z
    .string()
    .optional()
    .transform((value, ctx): number | F => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value.trim());
      if (!Number.isSafeInteger(parsed) || parsed < min) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a Moodle id (a whole number from ${min}), got "${value}"`,
        });
        return z.NEVER;
      }
      return parsed;
    });

/** Comma-separated values, trimmed, empty ones dropped; `fallback` when unset. */
export const listSetting = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? fallback)
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    );

/**
 * A prefix of the idnumbers mzi gives Moodle objects. Moodle compares idnumbers exactly, so the prefix is kept
 * as written, but it must not be empty: a bare Zoho record id could be anyone's idnumber.
 */
export const idnumberPrefixSetting = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const prefix = value === undefined || value === '' ? fallback : value;
      if (prefix.trim() === '' || prefix.length > 60) {
        ctx.addIssue({ code: 'custom', message: `must be 1 to 60 characters, got "${value}"` });
        return z.NEVER;
      }
      return prefix;
    });

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds, or a number with a unit: 90s, 30m, 24h, 7d (for module settings too, e.g. a wait limit). */
export const duration = (fallbackSeconds: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallbackSeconds;
      const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
      if (!match) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration such as 3600, 90s, 30m, 24h or 7d, got "${value}"`,
        });
        return z.NEVER;
      }
      return Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1);
    });

/** SCHOOL_TIMEZONE: an IANA zone name (UTC when unset), in which school dates are days. */
export const schoolTimeZoneSetting = () =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? 'UTC' : value.trim()))
    .refine(isSchoolTimeZone, {
      message: 'must be an IANA time zone name such as Asia/Beirut or Europe/London (not an offset)',
    });
