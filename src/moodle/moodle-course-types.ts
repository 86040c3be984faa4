import { z } from 'zod';

/**
 * A course category as `core_course_get_categories` returns it. `idnumber` is null, not "", where none was set
 * (transcript 102). A caller without moodle/category:manage gets neither `idnumber` nor `visible`, and may not
 * search by idnumber (`criteriaerror`): Moodle's get_categories keeps them for category managers.
 */
export interface MoodleCategory {
  id: number;
  name: string;
  idnumber?: string | null | undefined;
  parent: number;
  visible?: number | undefined;
}

/** A category for `core_course_create_categories`; `parent` 0 is the top level. */
export interface NewMoodleCategory {
  name: string;
  parent?: number;
  idnumber?: string;
  description?: string;
}

/** Keys `core_course_get_categories` matches exactly. */
export type MoodleCategoryCriterionKey = 'id' | 'ids' | 'idnumber' | 'name' | 'parent';

/**
 * A course as `core_course_get_courses_by_field` returns it (transcript 112), reduced to what mzi reads. A
 * course the token's user may not see (hidden, without `moodle/course:viewhiddencourses`) is simply absent
 * (176).
 */
export interface MoodleCourse {
  id: number;
  fullname: string;
  shortname: string;
  categoryid: number;
  idnumber: string;
  startdate: number;
  enddate: number;
  visible: number;
  /** Users who hold a course contact role (editingteacher on a fresh site). */
  contacts: { id: number; fullname: string }[];
  /** Enabled enrolment plugins, e.g. ["manual"]: the one place a missing manual instance shows (131). */
  enrollmentmethods: string[];
}

/**
 * A course for `core_course_create_courses`; the call is all or nothing (110). Dates are Unix seconds; Moodle
 * defaults them to today 00:00 UTC and a year later when left out (122).
 */
export interface NewMoodleCourse {
  fullname: string;
  shortname: string;
  categoryid: number;
  idnumber?: string;
  startdate?: number;
  enddate?: number;
  visible?: 0 | 1;
}

/**
 * Changes for `core_course_update_courses`: `id` plus the fields to change. Moodle skips the whole item when
 * `enddate` comes without `startdate` (warning `nostartdatenoenddate`, 120): send both or neither.
 */
export type MoodleCourseUpdate = { id: number } & Partial<NewMoodleCourse>;

/**
 * One enrolment for `enrol_manual_enrol_users`. Enrolling again is allowed and resets what is left out:
 * `timestart`/`timeend` to 0 and `suspend` to active (137, 144); another `roleid` adds a role (150).
 */
export interface MoodleEnrolment {
  roleid: number;
  userid: number;
  courseid: number;
  timestart?: number;
  timeend?: number;
  /** 1 suspends the enrolment without removing it; the key is `suspend`, never `status` (146). */
  suspend?: 0 | 1;
}

/** A user enrolled in a course, as `core_enrol_get_enrolled_users` lists them (133, 151). */
export interface MoodleEnrolledUser {
  id: number;
  username?: string;
  fullname?: string;
  roles?: { roleid: number; shortname: string }[];
  /** Absent when the enrolment is not active (suspended or not started yet): the only marker (140). */
  enrolledcourses?: { id: number }[];
}

export const categorySchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  idnumber: z.string().nullable().optional(),
  parent: z.number(),
  visible: z.number().optional(),
});

export const courseSchema = z.looseObject({
  id: z.number(),
  fullname: z.string(),
  shortname: z.string(),
  categoryid: z.number(),
  idnumber: z.string(),
  startdate: z.number(),
  enddate: z.number(),
  visible: z.number(),
  contacts: z.array(z.looseObject({ id: z.number(), fullname: z.string() })).default([]),
  enrollmentmethods: z.array(z.string()).default([]),
});

export const enrolledUserSchema = z.looseObject({
  id: z.number(),
  username: z.string().optional(),
  fullname: z.string().optional(),
  roles: z.array(z.looseObject({ roleid: z.number(), shortname: z.string() })).optional(),
  enrolledcourses: z.array(z.looseObject({ id: z.number() })).optional(),
});
