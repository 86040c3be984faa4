import { describe, expect, it } from 'vitest';
import {
  decideDelete,
  decideUpsert,
  isSuspendStatus,
  storedEnrolment,
} from '../../src/modules/enrollments/decide-enrolment.js';
import { ENROLLMENT_SETTINGS } from '../../src/modules/enrollments/enrollment-settings.js';
import type { StoredEnrolment } from '../../src/modules/enrollments/enrollment-store.js';
import { enrolmentPolicyCheck } from '../../src/modules/enrollments/enrolment-policy-check.js';
import { enrolmentTimes } from '../../src/modules/enrollments/enrolment-times.js';

const settings = ENROLLMENT_SETTINGS.schema.parse({});
const target = { userId: 805, courseId: 4 };
const times = { timestart: 1799020800, timeend: 1814313600 };
const active: StoredEnrolment = { ...target, roleId: 5, ...times, state: 'active' };

describe('enrollment settings', () => {
  it('has the documented defaults', () => {
    expect(settings).toEqual({
      studentRoleId: 5,
      suspendStatuses: ['withdrawn', 'dropped', 'cancelled'],
      onUnenrol: 'suspend',
      waitLimitSeconds: 24 * 3600,
      timeZone: 'UTC',
    });
  });

  it('reads each setting, and names the setting and value it refuses', () => {
    expect(
      ENROLLMENT_SETTINGS.schema.parse({
        MOODLE_STUDENT_ROLE_ID: '11',
        MOODLE_ENROLMENT_SUSPEND_STATUSES: 'Left, On Hold',
        MOODLE_ON_UNENROL: 'unenrol',
        ENROLMENT_WAIT_MAX: '2h',
        SCHOOL_TIMEZONE: 'Asia/Beirut',
      }),
    ).toEqual({
      studentRoleId: 11,
      suspendStatuses: ['left', 'on hold'],
      onUnenrol: 'unenrol',
      waitLimitSeconds: 7200,
      timeZone: 'Asia/Beirut',
    });
    const issues = ENROLLMENT_SETTINGS.schema.safeParse({
      MOODLE_STUDENT_ROLE_ID: 'student',
      MOODLE_ON_UNENROL: 'delete',
      ENROLMENT_WAIT_MAX: 'a day',
      SCHOOL_TIMEZONE: '+03:00',
    }).error?.issues;
    expect(issues?.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['MOODLE_STUDENT_ROLE_ID', expect.stringContaining('got "student"')],
      ['MOODLE_ON_UNENROL', 'must be suspend or unenrol, got "delete"'],
      ['ENROLMENT_WAIT_MAX', expect.stringContaining('got "a day"')],
      ['SCHOOL_TIMEZONE', expect.stringContaining('IANA time zone')],
    ]);
  });

  it('tells mzi doctor the role, the leaving statuses and what a delete does', () => {
    expect(
      enrolmentPolicyCheck({ ...settings, onUnenrol: 'unenrol', timeZone: 'Asia/Beirut' }),
    ).toMatchObject({
      status: 'ok',
      detail:
        'students are enrolled with role 5 (MOODLE_STUDENT_ROLE_ID), dated in Asia/Beirut; the statuses withdrawn, dropped, cancelled suspend an enrolment; a deleted enrollment is unenrolled (MOODLE_ON_UNENROL)',
    });
  });

  it('compares statuses in any case', () => {
    expect(isSuspendStatus('WITHDRAWN ', settings)).toBe(true);
    expect(isSuspendStatus('Active', settings)).toBe(false);
    expect(isSuspendStatus(null, settings)).toBe(false);
  });
});

describe('enrolment times', () => {
  it('starts at midnight of Start_Date and ends at the midnight after End_Date, in the school zone', () => {
    // Beirut: UTC+2 in January, UTC+3 in June.
    expect(
      enrolmentTimes({
        recordId: 'E1',
        startDate: '2027-01-04',
        endDate: '2027-06-30',
        timeZone: 'Asia/Beirut',
      }),
    ).toEqual({ timestart: Date.UTC(2027, 0, 3, 22) / 1000, timeend: Date.UTC(2027, 5, 30, 21) / 1000 });
  });

  it('sends 0 for a date that is not set', () => {
    expect(enrolmentTimes({ recordId: 'E1', startDate: null, endDate: '', timeZone: 'UTC' })).toEqual({
      timestart: 0,
      timeend: 0,
    });
  });

  it('fails an unreadable date or an end before the start, naming field, value and record', () => {
    expect(() =>
      enrolmentTimes({ recordId: 'E1', startDate: '04/01/2027', endDate: null, timeZone: 'UTC' }),
    ).toThrow(/Start_Date "04\/01\/2027" of enrollment E1 is not a date/);
    expect(() =>
      enrolmentTimes({ recordId: 'E1', startDate: '2027-06-30', endDate: '2027-01-04', timeZone: 'UTC' }),
    ).toThrow(/End_Date 2027-01-04 of enrollment E1 is before its Start_Date 2027-06-30/);
  });
});

describe('what an insert or update does in Moodle', () => {
  it('enrols a new enrollment with the full intended state', () => {
    const plan = decideUpsert({ previous: undefined, target, times, suspended: false, settings });
    expect(plan).toMatchObject({ action: 'enrolled', stored: active, warnings: [] });
    expect(plan.ops).toEqual([
      {
        kind: 'enrol',
        enrolment: { roleid: 5, userid: 805, courseid: 4, ...times, suspend: 0 },
        leaving: false,
      },
    ]);
  });

  it('suspends with suspend=1 and keeps the times, and reactivates without it', () => {
    const suspended = decideUpsert({ previous: active, target, times, suspended: true, settings });
    expect(suspended.action).toBe('suspended');
    expect(suspended.ops[0]).toMatchObject({ enrolment: { suspend: 1, ...times }, leaving: true });
    const back = decideUpsert({
      previous: { ...active, state: 'suspended' },
      target,
      times,
      suspended: false,
      settings,
    });
    expect(back.action).toBe('reactivated');
    expect(back.ops[0]).toMatchObject({ enrolment: { suspend: 0, ...times } });
  });

  it('sends nothing when Moodle already has exactly this enrolment', () => {
    const plan = decideUpsert({ previous: active, target, times, suspended: false, settings });
    expect(plan).toMatchObject({ action: 'unchanged', ops: [], stored: active });
  });

  it('sends new dates as an update', () => {
    const plan = decideUpsert({
      previous: active,
      target,
      times: { timestart: times.timestart, timeend: 0 },
      suspended: false,
      settings,
    });
    expect(plan.action).toBe('updated');
    expect(plan.ops[0]).toMatchObject({ enrolment: { timeend: 0 } });
  });

  it('enrols again an enrollment that was unenrolled', () => {
    const plan = decideUpsert({
      previous: { ...active, state: 'unenrolled' },
      target,
      times,
      suspended: false,
      settings,
    });
    expect(plan.action).toBe('enrolled');
  });

  it('warns that a changed role id adds a role and keeps the old one', () => {
    const plan = decideUpsert({
      previous: active,
      target,
      times,
      suspended: false,
      settings: { ...settings, studentRoleId: 11 },
    });
    expect(plan.ops[0]).toMatchObject({ enrolment: { roleid: 11 } });
    expect(plan.warnings[0]).toMatch(/keeps role 5 in course 4 besides role 11/);
  });

  it('leaves the old course of an enrollment moved to another class, per MOODLE_ON_UNENROL', () => {
    const moved = decideUpsert({
      previous: active,
      target: { userId: 805, courseId: 6 },
      times,
      suspended: false,
      settings,
    });
    expect(moved.action).toBe('moved');
    expect(moved.ops).toEqual([
      expect.objectContaining({
        enrolment: expect.objectContaining({ courseid: 6, suspend: 0 }),
        leaving: false,
      }),
      expect.objectContaining({
        enrolment: expect.objectContaining({ courseid: 4, suspend: 1 }),
        leaving: true,
      }),
    ]);
    const unenrolled = decideUpsert({
      previous: active,
      target: { userId: 805, courseId: 6 },
      times,
      suspended: false,
      settings: { ...settings, onUnenrol: 'unenrol' },
    });
    expect(unenrolled.ops[1]).toEqual({
      kind: 'unenrol',
      enrolment: { userid: 805, courseid: 4 },
      leaving: true,
    });
  });
});

describe('what a delete does in Moodle', () => {
  it('suspends the enrolment with its times by default', () => {
    const plan = decideDelete({ previous: active, settings });
    expect(plan).toMatchObject({ action: 'suspended', stored: { ...active, state: 'suspended' } });
    expect(plan.ops).toEqual([
      {
        kind: 'enrol',
        enrolment: { roleid: 5, userid: 805, courseid: 4, ...times, suspend: 1 },
        leaving: true,
      },
    ]);
  });

  it('unenrols with MOODLE_ON_UNENROL=unenrol', () => {
    const plan = decideDelete({ previous: active, settings: { onUnenrol: 'unenrol' } });
    expect(plan).toMatchObject({ action: 'unenrolled', stored: { state: 'unenrolled' } });
    expect(plan.ops).toEqual([{ kind: 'unenrol', enrolment: { userid: 805, courseid: 4 }, leaving: true }]);
  });

  it('touches nothing mzi never enrolled, or already left', () => {
    expect(decideDelete({ previous: undefined, settings })).toMatchObject({
      action: 'not_enrolled',
      ops: [],
    });
    expect(decideDelete({ previous: { ...active, state: 'suspended' }, settings })).toMatchObject({
      action: 'unchanged',
      ops: [],
    });
  });

  it('reads the stored enrolment of a mirror row, none before mzi enrolled', () => {
    const row = {
      moodle_user_id: 805,
      moodle_course_id: 4,
      moodle_role_id: 5,
      moodle_timestart: times.timestart,
      moodle_timeend: times.timeend,
      moodle_state: 'active' as const,
    };
    expect(storedEnrolment(row)).toEqual(active);
    expect(storedEnrolment({ ...row, moodle_state: null })).toBeUndefined();
  });
});
