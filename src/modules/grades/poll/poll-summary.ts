/** What a grade poll found and did (`mzi sync grades`, the background poll's last summary). */
export interface GradePollSummary {
  /** Courses of classes polled, and those Moodle let mzi read. */
  courses: number;
  coursesRead: number;
  assignments: number;
  /** Grades Moodle returned that were new or changed since the last poll (or all, for a resync). */
  gradesRead: number;
  /** Events appended: grades to send, and grades removed in Moodle. */
  queued: number;
  removed: number;
  /** Grades whose event the log already holds. */
  unchanged: number;
  /** Grades not sent, and why. */
  skipped: {
    /** The Moodle user is no student mzi knows. */
    unknownStudent: number;
    /** The course no longer carries its class's idnumber. */
    unknownClass: number;
    /** A grade row without a grade (Moodle's -1), never sent before. */
    ungraded: number;
    /** The assignment is not graded (grade type "None"). */
    notGraded: number;
  };
  /** What kept a course or an assignment from being read, for the operator to fix. */
  problems: string[];
  dryRun: boolean;
}

export function emptyPollSummary(dryRun: boolean): GradePollSummary {
  return {
    courses: 0,
    coursesRead: 0,
    assignments: 0,
    gradesRead: 0,
    queued: 0,
    removed: 0,
    unchanged: 0,
    skipped: { unknownStudent: 0, unknownClass: 0, ungraded: 0, notGraded: 0 },
    problems: [],
    dryRun,
  };
}
