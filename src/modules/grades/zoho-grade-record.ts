import { DateTime } from 'luxon';
import { ProcessingError } from '../../event-log/processing-error.js';
import type { RecordData } from '../zoho-module.js';
import { GRADE_KEY_FIELD } from './grade-fields.js';
import { mapPoints, mapScaleItem, pointsText } from './grade-mapping.js';
import type { GradeSettings } from './grade-settings.js';

/** The BTEC_Grades record of a grade event, as upserted (keyed by GRADE_KEY_FIELD). */
export type ZohoGradeRecord = Readonly<Record<string, unknown>>;

/** The grade Zoho gets for a grade event's Moodle grade; fails the event, naming the value and the setting. */
export function zohoGrade(data: RecordData, settings: GradeSettings): string {
  if (data.Grade_Kind === 'scale') {
    const item = data.Scale_Item?.trim() ?? '';
    if (item === '' || item === '-') {
      throw new ProcessingError(
        'grades.scale_item_unknown',
        `Moodle's gradebook named no scale item for the grade ${data.Moodle_Grade ?? ''} (assignment ${data.Moodle_Assignment_ID ?? ''}): check the grade in the course's gradebook, then run \`mzi sync grades --course ${data.Moodle_Course_ID ?? ''}\`.`,
      );
    }
    const grade = mapScaleItem(settings.scaleMap, item);
    if (grade === undefined) {
      throw new ProcessingError(
        'grades.unmapped_scale_item',
        `The scale item "${item}" is not in GRADE_SCALE_MAP (${[...settings.scaleMap.keys()].join(', ')}): add it, e.g. GRADE_SCALE_MAP=…,${item}=X, then retry the event.`,
      );
    }
    return grade;
  }
  const points = Number(data.Moodle_Grade);
  if (!Number.isFinite(points) || points < 0) {
    throw new ProcessingError(
      'grades.invalid_grade',
      `Moodle's grade "${data.Moodle_Grade ?? ''}" is not a number of points.`,
    );
  }
  if (!settings.pointBands) return pointsText(points);
  const grade = mapPoints(settings.pointBands, points);
  if (grade === undefined) {
    throw new ProcessingError(
      'grades.unmapped_points',
      `${pointsText(points)} points fall in no band of GRADE_POINT_BANDS (${settings.pointBands.map((b) => `${b.from}-${b.to}=${b.grade}`).join(',')}): add a band that holds it, then retry the event.`,
    );
  }
  return grade;
}

/**
 * The record of a grade: the student and the class by their Zoho ids (lookups), the grade, Moodle's attempt
 * counted from 1 as Moodle's pages show it, the day it was graded in the school's time zone, the feedback as
 * plain text and the grader's name.
 */
export function zohoGradeRecord(options: {
  key: string;
  data: RecordData;
  settings: GradeSettings;
}): ZohoGradeRecord {
  const { data } = options;
  const student = data.Student?.trim();
  const classId = data.Class?.trim();
  if (!student || !classId) {
    throw new ProcessingError(
      'grades.unlinked',
      'This grade event names no student or no class: it was not written by a grade poll. Run `mzi sync grades` to read the grade again.',
    );
  }
  const gradedAt = DateTime.fromISO(data.Graded_At ?? '', { zone: 'utc' });
  const attempt = Number(data.Attempt ?? '0');
  return {
    Name: recordName(data),
    [GRADE_KEY_FIELD]: options.key,
    Student: { id: student },
    Class: { id: classId },
    Grade: zohoGrade(data, options.settings),
    Attempt_Number: Number.isSafeInteger(attempt) ? attempt + 1 : 1,
    Attempt_Date: gradedAt.isValid ? gradedAt.setZone(options.settings.timeZone).toISODate() : null,
    Feedback: data.Feedback ?? '',
    Grader_Name: data.Grader_Name ?? '',
  };
}

/** The record's name in Zoho's lists: the assignment's. */
function recordName(data: RecordData): string {
  const name = data.Assignment_Name?.trim() || `Assignment ${data.Moodle_Assignment_ID ?? ''}`.trim();
  return name.slice(0, 120);
}
