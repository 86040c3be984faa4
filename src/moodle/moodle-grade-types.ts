import { z } from 'zod';

/**
 * Assignments and grades as Moodle's web services return them (transcripts 191-203), reduced to what grade
 * polling reads.
 */

/** An assignment of `mod_assign_get_assignments` (203). */
export interface MoodleAssignment {
  id: number;
  /** The course module id, which the grade report's items carry as `cmid` (198). */
  cmid: number;
  course: number;
  name: string;
  /** > 0: maximum points; < 0: minus the scale id (-3 is scale 3); 0: not graded (203). */
  grade: number;
  timemodified: number;
}

/** A course and its assignments, from `mod_assign_get_assignments`. */
export interface MoodleAssignmentCourse {
  id: number;
  shortname: string;
  fullname: string;
  assignments: MoodleAssignment[];
}

/**
 * A grade row of `mod_assign_get_grades`: the grade of the user's latest attempt (192). `grade` is a decimal
 * string with 5 decimals ("78.50000"); for a scale it is the item's 1-based index ("3.00000" = 3rd word);
 * "-1.00000" is a row that holds no grade.
 */
export interface MoodleAssignGrade {
  id: number;
  userid: number;
  attemptnumber: number;
  timecreated: number;
  timemodified: number;
  /** The user id of the grader. */
  grader: number;
  grade: string;
}

/** The grades of one assignment; assignments without any are warnings (code "3", 194, 195). */
export interface MoodleAssignmentGrades {
  assignmentid: number;
  grades: MoodleAssignGrade[];
}

/**
 * A row of the user grade report (`gradereport_user_get_grade_items`, 198): an activity's item, or the course
 * total (`itemtype` "course", no `cmid`). A scale grade comes as its index in `graderaw` and its word in
 * `gradeformatted`; a user without a grade gets `graderaw` null and "-" (200).
 */
export interface MoodleGradeItem {
  id: number;
  itemname: string | null;
  itemtype: string;
  itemmodule: string | null;
  iteminstance: number;
  cmid?: number;
  graderaw: number | null;
  gradeformatted: string;
  gradedategraded: number | null;
  grademin: number;
  grademax: number;
  /** HTML of the grader's feedback; '' when none. */
  feedback: string;
  feedbackformat: number;
  gradeishidden: boolean;
}

/** One user's report in a course (198, 199). */
export interface MoodleUserGrades {
  courseid: number;
  courseidnumber: string;
  userid: number;
  userfullname: string;
  gradeitems: MoodleGradeItem[];
}

export const assignmentCourseSchema = z.looseObject({
  id: z.number(),
  shortname: z.string(),
  fullname: z.string(),
  assignments: z.array(
    z.looseObject({
      id: z.number(),
      cmid: z.number(),
      course: z.number(),
      name: z.string(),
      grade: z.number(),
      timemodified: z.number(),
    }),
  ),
});

export const assignmentGradesSchema = z.looseObject({
  assignmentid: z.number(),
  grades: z.array(
    z.looseObject({
      id: z.number(),
      userid: z.number(),
      attemptnumber: z.number(),
      timecreated: z.number(),
      timemodified: z.number(),
      grader: z.number(),
      grade: z.string(),
    }),
  ),
});

export const userGradesSchema = z.looseObject({
  courseid: z.number(),
  courseidnumber: z.string(),
  userid: z.number(),
  userfullname: z.string(),
  gradeitems: z.array(
    z.looseObject({
      id: z.number(),
      itemname: z.string().nullable(),
      itemtype: z.string(),
      itemmodule: z.string().nullable(),
      iteminstance: z.number(),
      cmid: z.number().optional(),
      graderaw: z.number().nullable(),
      gradeformatted: z.string(),
      gradedategraded: z.number().nullable(),
      grademin: z.number(),
      grademax: z.number(),
      feedback: z.string(),
      feedbackformat: z.number(),
      gradeishidden: z.boolean(),
    }),
  ),
});

/** Only the declared fields, so callers never lean on what the loose schemas let through. */
export function toAssignmentCourse(course: z.output<typeof assignmentCourseSchema>): MoodleAssignmentCourse {
  return {
    id: course.id,
    shortname: course.shortname,
    fullname: course.fullname,
    assignments: course.assignments.map(({ id, cmid, course: courseId, name, grade, timemodified }) => ({
      id,
      cmid,
      course: courseId,
      name,
      grade,
      timemodified,
    })),
  };
}

export function toAssignmentGrades(entry: z.output<typeof assignmentGradesSchema>): MoodleAssignmentGrades {
  return {
    assignmentid: entry.assignmentid,
    grades: entry.grades.map(({ id, userid, attemptnumber, timecreated, timemodified, grader, grade }) => ({
      id,
      userid,
      attemptnumber,
      timecreated,
      timemodified,
      grader,
      grade,
    })),
  };
}

export function toUserGrades(report: z.output<typeof userGradesSchema>): MoodleUserGrades {
  return {
    courseid: report.courseid,
    courseidnumber: report.courseidnumber,
    userid: report.userid,
    userfullname: report.userfullname,
    gradeitems: report.gradeitems.map((item) => ({
      id: item.id,
      itemname: item.itemname,
      itemtype: item.itemtype,
      itemmodule: item.itemmodule,
      iteminstance: item.iteminstance,
      ...(item.cmid === undefined ? {} : { cmid: item.cmid }),
      graderaw: item.graderaw,
      gradeformatted: item.gradeformatted,
      gradedategraded: item.gradedategraded,
      grademin: item.grademin,
      grademax: item.grademax,
      feedback: item.feedback,
      feedbackformat: item.feedbackformat,
      gradeishidden: item.gradeishidden,
    })),
  };
}
