import { randomUUID } from 'node:crypto';
import type { MoodleSource } from '../zoho-module.js';
import type { GradeSettings } from './grade-settings.js';
import { pollGrades } from './poll/poll-grades.js';

/** The module's own name for the students module, whose records hold the Moodle users grades belong to. */
const STUDENTS = 'student';

/** How the grades module polls Moodle (MOODLE_GRADE_POLL_INTERVAL, `mzi sync grades`). */
export const gradeSource: MoodleSource<GradeSettings> = {
  intervalSeconds: (settings) => settings.pollIntervalSeconds,
  async poll(context, request) {
    const { db } = context;
    return pollGrades({
      db,
      moodle: context.moodle,
      appender: context.appender,
      courses: await context.coursesOf(db),
      studentsOf: async (userIds) => {
        const holders = await context.holdersOf(db, userIds);
        const students = new Map<number, string>();
        for (const [userId, records] of holders) {
          const student = records.find((record) => record.module === STUDENTS);
          if (student) students.set(userId, student.recordId);
        }
        return students;
      },
      courseId: request.courseId,
      resend:
        request.resendSince === undefined
          ? undefined
          : { since: request.resendSince, runId: randomUUID().slice(0, 8) },
      dryRun: request.dryRun,
      onProgress: request.onProgress,
      isStopping: request.isStopping,
    });
  },
};
