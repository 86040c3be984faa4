import type { ClassSettings } from './class-settings.js';

/**
 * What an event does to a class's course:
 * - `sync`: create it when missing, else update what differs, and enrol the teacher;
 * - `update`: the same without creating (the status is not one that gets a course);
 * - `hide`: update what differs and hide it (an ended class; a deleted one with MOODLE_ON_CLASS_DELETE=hide);
 * - `leave`: touch nothing (a deleted class with MOODLE_ON_CLASS_DELETE=ignore).
 */
export type CourseAction =
  | { readonly kind: 'sync' }
  | { readonly kind: 'update'; readonly reason: string }
  | { readonly kind: 'hide'; readonly reason: string }
  | { readonly kind: 'leave'; readonly reason: string };

export function decideCourseAction(
  operation: string,
  status: string | null,
  settings: Pick<ClassSettings, 'createStatuses' | 'hideStatuses' | 'onDelete'>,
): CourseAction {
  if (operation === 'delete') {
    return settings.onDelete === 'hide'
      ? { kind: 'hide', reason: 'the class was deleted in Zoho (MOODLE_ON_CLASS_DELETE=hide)' }
      : {
          kind: 'leave',
          reason:
            'the class was deleted in Zoho and MOODLE_ON_CLASS_DELETE=ignore: its course is left as it is',
        };
  }
  const value = status?.toLowerCase() ?? '';
  if (value !== '' && settings.hideStatuses.includes(value)) {
    return {
      kind: 'hide',
      reason: `Class_Status "${status}" is in MOODLE_COURSE_HIDE_STATUSES (${settings.hideStatuses.join(',')})`,
    };
  }
  if (settings.createStatuses.includes(value)) return { kind: 'sync' };
  const allowed = settings.createStatuses.join(',') || 'none';
  return {
    kind: 'update',
    reason:
      status === null
        ? `the class has no Class_Status, and only a class whose Class_Status is in MOODLE_COURSE_CREATE_STATUSES (${allowed}) gets a course`
        : `Class_Status "${status}" is not in MOODLE_COURSE_CREATE_STATUSES (${allowed}): the course is created once the class has one of those statuses`,
  };
}
