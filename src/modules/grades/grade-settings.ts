import { z } from 'zod';
import { duration, schoolTimeZoneSetting } from '../shared/setting-types.js';
import type { ModuleSettings } from '../zoho-module.js';
import { type PointBand, parsePointBands, parseScaleMap, type ScaleMap } from './grade-mapping.js';

/** How Moodle grades reach Zoho. */
export interface GradeSettings {
  /** Seconds between polls of Moodle's grades; 0: never (`mzi sync grades` still runs). */
  readonly pollIntervalSeconds: number;
  readonly scaleMap: ScaleMap;
  /** Undefined: points are sent as numbers. */
  readonly pointBands: readonly PointBand[] | undefined;
  /** A grade removed in Moodle: reported and kept in Zoho, or its Zoho record deleted. */
  readonly onRemoved: 'keep' | 'delete';
  /** SCHOOL_TIMEZONE (see the classes' settings): a grade's Attempt_Date is its day there. */
  readonly timeZone: string;
}

const parsed = <T>(parse: (text: string) => T, fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx): T => {
      try {
        return parse(value === undefined || value.trim() === '' ? fallback : value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

const schema = z
  .object({
    MOODLE_GRADE_POLL_INTERVAL: duration(5 * 60),
    GRADE_SCALE_MAP: parsed(parseScaleMap, 'Refer=R,Pass=P,Merit=M,Distinction=D'),
    GRADE_POINT_BANDS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value.trim() === '') return undefined;
        try {
          return parsePointBands(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    GRADES_ON_REMOVED: z
      .string()
      .optional()
      .transform((value) => value?.trim().toLowerCase() || 'keep')
      .pipe(z.enum(['keep', 'delete'])),
    SCHOOL_TIMEZONE: schoolTimeZoneSetting(),
  })
  .transform(
    (e): GradeSettings => ({
      pollIntervalSeconds: e.MOODLE_GRADE_POLL_INTERVAL,
      scaleMap: e.GRADE_SCALE_MAP,
      pointBands: e.GRADE_POINT_BANDS,
      onRemoved: e.GRADES_ON_REMOVED,
      timeZone: e.SCHOOL_TIMEZONE,
    }),
  );

/** The grades module's settings section (README, configuration table). */
export const GRADE_SETTINGS: ModuleSettings<GradeSettings> = {
  schema,
  documented: [
    [
      'MOODLE_GRADE_POLL_INTERVAL',
      '`5m`',
      'grades: how often mzi reads new and changed assignment grades in the courses of its classes; `0` = never (`mzi sync grades` still works)',
    ],
    [
      'GRADE_SCALE_MAP',
      '`Refer=R,Pass=P,Merit=M,Distinction=D`',
      'grades: scale item (any case) = the grade Zoho gets; a scale item not listed fails its event',
    ],
    [
      'GRADE_POINT_BANDS',
      'unset',
      'grades: `0-39=R,40-59=P,60-79=M,80-100=D` maps points to a grade (a value between two bands takes the lower); unset = the number itself is sent',
    ],
    [
      'GRADES_ON_REMOVED',
      '`keep`',
      'grades: a grade removed in Moodle is reported and its Zoho record kept (`keep`), or the Zoho record is deleted (`delete`)',
    ],
  ],
};
