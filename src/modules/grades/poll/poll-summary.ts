import type { MoodlePollSummary } from '../../zoho-module.js';

/** Why a grade was not sent. */
export interface GradeSkips {
  /** The Moodle user is no student mzi knows. */
  unknownStudent: number;
  /** The course no longer carries its class's idnumber. */
  unknownClass: number;
  /** A grade row without a grade (Moodle's -1), never sent before. */
  ungraded: number;
  /** The assignment is not graded (grade type "None"). */
  notGraded: number;
}

/** What a grade poll found and did (`mzi sync grades`, the background poll's last summary). */
export type GradePollSummary = MoodlePollSummary & { skipped: GradeSkips };

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
