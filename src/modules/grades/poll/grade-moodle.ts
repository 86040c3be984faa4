import type { MoodleClient } from '../../../moodle/create-moodle-client.js';

/** The Moodle calls a grade poll makes. */
export type GradeMoodle = Pick<
  MoodleClient,
  'getAssignments' | 'getAssignmentGrades' | 'getUserGradeItems' | 'getUsersByField'
>;

export type { LinkedCourse } from '../../zoho-module.js';
