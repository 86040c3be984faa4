import { z } from 'zod';
import {
  idnumberPrefixSetting,
  listSetting,
  moodleIdSetting,
  schoolTimeZoneSetting,
} from '../shared/setting-types.js';
import type { ModuleSettings } from '../zoho-module.js';

/** How classes become Moodle courses. */
export interface ClassSettings {
  /** Course idnumber = this + the Zoho record id: the class's only link to its course. */
  readonly idnumberPrefix: string;
  /** Class_Status values (lower case) whose class gets a course. */
  readonly createStatuses: readonly string[];
  /** Class_Status values (lower case) of an ended class, whose course is hidden. */
  readonly hideStatuses: readonly string[];
  /** What a deleted class does to its course. */
  readonly onDelete: 'hide' | 'ignore';
  readonly teacherRoleId: number;
  /** The category of a class without a program. */
  readonly defaultCategoryId: number | undefined;
  /** IANA name: course dates are midnights there. */
  readonly timeZone: string;
}

const statuses = (fallback: string) =>
  listSetting(fallback).transform((values) => values.map((value) => value.toLowerCase()));

const schema = z
  .object({
    MOODLE_COURSE_IDNUMBER_PREFIX: idnumberPrefixSetting('zoho-class-'),
    MOODLE_COURSE_CREATE_STATUSES: statuses('Active'),
    MOODLE_COURSE_HIDE_STATUSES: statuses('Completed,Cancelled'),
    MOODLE_ON_CLASS_DELETE: z.enum(['hide', 'ignore']).optional().default('hide'),
    MOODLE_TEACHER_ROLE_ID: moodleIdSetting(3),
    MOODLE_DEFAULT_CATEGORY_ID: moodleIdSetting(undefined),
    SCHOOL_TIMEZONE: schoolTimeZoneSetting(),
  })
  .transform(
    (e): ClassSettings => ({
      idnumberPrefix: e.MOODLE_COURSE_IDNUMBER_PREFIX,
      createStatuses: e.MOODLE_COURSE_CREATE_STATUSES,
      hideStatuses: e.MOODLE_COURSE_HIDE_STATUSES,
      onDelete: e.MOODLE_ON_CLASS_DELETE,
      teacherRoleId: e.MOODLE_TEACHER_ROLE_ID,
      defaultCategoryId: e.MOODLE_DEFAULT_CATEGORY_ID,
      timeZone: e.SCHOOL_TIMEZONE,
    }),
  );

/** The classes module's settings section (README, configuration table). */
export const CLASS_SETTINGS: ModuleSettings<ClassSettings> = {
  schema,
  documented: [
    [
      'MOODLE_COURSE_IDNUMBER_PREFIX',
      '`zoho-class-`',
      "classes: a class's Moodle course has the idnumber prefix + its Zoho record id (its only link, never the name)",
    ],
    [
      'MOODLE_COURSE_CREATE_STATUSES',
      '`Active`',
      'classes: Class_Status values (any case) whose class gets a Moodle course; others only update an existing one',
    ],
    [
      'MOODLE_COURSE_HIDE_STATUSES',
      '`Completed,Cancelled`',
      'classes: Class_Status values (any case) of an ended class: its course is hidden (`visible=0`); empty = never',
    ],
    [
      'MOODLE_ON_CLASS_DELETE',
      '`hide`',
      "classes: a deleted class's course is hidden (`hide`) or left as it is (`ignore`); never deleted",
    ],
    [
      'MOODLE_TEACHER_ROLE_ID',
      '`3`',
      "classes: Moodle role id the class's teacher is enrolled with (editingteacher)",
    ],
    [
      'SCHOOL_TIMEZONE',
      '`UTC`',
      "classes, enrollments: the school's IANA time zone (`Asia/Beirut`); Zoho dates are midnights there",
    ],
  ],
};
