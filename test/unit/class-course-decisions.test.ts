import { describe, expect, it } from 'vitest';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import type { ClassSettings } from '../../src/modules/classes/class-settings.js';
import type { ClassState } from '../../src/modules/classes/class-state.js';
import { decideCourseAction } from '../../src/modules/classes/decide-course-action.js';
import { deriveShortname, desiredCourse } from '../../src/modules/classes/desired-course.js';
import { diffCourse } from '../../src/modules/classes/diff-course.js';
import type { MoodleCourse } from '../../src/moodle/create-moodle-client.js';

const settings = (overrides: Partial<ClassSettings> = {}): ClassSettings => ({
  idnumberPrefix: 'zoho-class-',
  createStatuses: ['active'],
  hideStatuses: ['completed', 'cancelled'],
  onDelete: 'hide',
  teacherRoleId: 3,
  defaultCategoryId: undefined,
  timeZone: 'UTC',
  ...overrides,
});

const state = (overrides: Partial<ClassState> = {}): ClassState => ({
  recordId: '5725767000000123456',
  name: 'BTEC IT Level 3',
  shortName: 'IT-L3',
  programId: null,
  teacherId: null,
  status: 'Active',
  startDate: '2027-01-04',
  endDate: '2027-06-30',
  moodleClassId: null,
  ...overrides,
});

const course = (overrides: Partial<MoodleCourse> = {}): MoodleCourse => ({
  id: 40,
  fullname: 'BTEC IT Level 3',
  shortname: 'IT-L3',
  categoryid: 2,
  idnumber: 'zoho-class-5725767000000123456',
  startdate: Date.UTC(2027, 0, 4) / 1000,
  enddate: Date.UTC(2027, 5, 30) / 1000,
  visible: 1,
  contacts: [],
  enrollmentmethods: ['manual'],
  ...overrides,
});

describe('the course a class should be', () => {
  it('takes fullname, shortname and the prefixed idnumber from the class', () => {
    expect(desiredCourse(state(), settings())).toMatchObject({
      fullname: 'BTEC IT Level 3',
      shortname: 'IT-L3',
      shortnameDerived: false,
      idnumber: 'zoho-class-5725767000000123456',
    });
  });

  it('derives a shortname from Class_Name and the record id when Class_Short_Name is empty', () => {
    const derived = desiredCourse(state({ shortName: null, name: '  BTEC   IT\tLevel 3 ' }), settings());
    expect(derived).toMatchObject({
      shortname: 'BTEC IT Level 3 (5725767000000123456)',
      shortnameDerived: true,
    });
    const long = deriveShortname('x'.repeat(300), '5725767000000123456');
    expect(long).toHaveLength(255);
    expect(long.endsWith(' (5725767000000123456)')).toBe(true);
  });

  it('gives two classes of the same name different derived shortnames', () => {
    expect(deriveShortname('Maths', '1')).not.toBe(deriveShortname('Maths', '2'));
  });

  it('computes the dates as midnights in the school time zone, across daylight saving', () => {
    // London is UTC+0 in March and UTC+1 (BST) in June: the end is 23:00 UTC the day before.
    const london = desiredCourse(
      state({ startDate: '2027-03-01', endDate: '2027-06-30' }),
      settings({ timeZone: 'Europe/London' }),
    );
    expect(london.dates).toEqual({
      startdate: Date.UTC(2027, 2, 1) / 1000,
      enddate: Date.UTC(2027, 5, 29, 23) / 1000,
    });
    const beirut = desiredCourse(
      state({ startDate: '2027-01-04', endDate: '2027-07-05' }),
      settings({ timeZone: 'Asia/Beirut' }),
    );
    expect(beirut.dates).toEqual({
      startdate: Date.UTC(2027, 0, 3, 22) / 1000,
      enddate: Date.UTC(2027, 6, 4, 21) / 1000,
    });
  });

  it('leaves the end date open without End_Date, and leaves both dates alone without Start_Date', () => {
    expect(desiredCourse(state({ endDate: null }), settings()).dates).toEqual({
      startdate: Date.UTC(2027, 0, 4) / 1000,
      enddate: 0,
    });
    const noStart = desiredCourse(state({ startDate: null }), settings());
    expect(noStart.dates).toBeUndefined();
    expect(noStart.warnings[0]).toMatch(
      /End_Date 2027-06-30 .* was not sent to Moodle: .*Fill in Start_Date/,
    );
  });

  it('refuses a class without a name, a date that is not one, and an end before the start', () => {
    expect(() => desiredCourse(state({ name: null }), settings())).toThrow(/has no Class_Name/);
    expect(() => desiredCourse(state({ startDate: '04/01/2027' }), settings())).toThrow(
      /Start_Date "04\/01\/2027" of Zoho class 5725767000000123456 \("BTEC IT Level 3"\) is not a date/,
    );
    const error = (() => {
      try {
        desiredCourse(state({ startDate: '2027-06-30', endDate: '2027-01-04' }), settings());
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ code: 'validation.class_dates', retryable: false });
  });
});

describe('what an event does to the course', () => {
  it('syncs a class whose status gets a course, in any case', () => {
    expect(decideCourseAction('insert', 'ACTIVE', settings())).toEqual({ kind: 'sync' });
  });

  it('only updates a class whose status gets no course, and says why', () => {
    const action = decideCourseAction('insert', 'Planned', settings());
    expect(action).toMatchObject({ kind: 'update' });
    expect(action.kind === 'update' && action.reason).toBe(
      'Class_Status "Planned" is not in MOODLE_COURSE_CREATE_STATUSES (active): the course is created once the class has one of those statuses',
    );
    expect(decideCourseAction('update', null, settings())).toMatchObject({ kind: 'update' });
  });

  it('hides the course of an ended class and of a deleted one, unless deletes are ignored', () => {
    expect(decideCourseAction('update', 'Completed', settings())).toMatchObject({ kind: 'hide' });
    expect(decideCourseAction('delete', 'Active', settings())).toMatchObject({ kind: 'hide' });
    expect(decideCourseAction('delete', 'Active', settings({ onDelete: 'ignore' }))).toMatchObject({
      kind: 'leave',
    });
    expect(decideCourseAction('update', 'Completed', settings({ hideStatuses: [] }))).toMatchObject({
      kind: 'update',
    });
  });
});

describe('the update of a course', () => {
  const desired = desiredCourse(state(), settings());

  it('sends nothing when the course already is what the class says', () => {
    expect(diffCourse(course(), { desired, categoryId: 2 })).toBeUndefined();
  });

  it('sends only the fields that differ', () => {
    expect(diffCourse(course({ fullname: 'Old name' }), { desired, categoryId: 2 })).toEqual({
      update: { id: 40, fullname: 'BTEC IT Level 3' },
      changed: ['fullname'],
    });
    expect(diffCourse(course({ categoryid: 7, visible: 0 }), { desired, categoryId: 2, visible: 1 })).toEqual(
      {
        update: { id: 40, categoryid: 2, visible: 1 },
        changed: ['categoryid', 'visible'],
      },
    );
  });

  it('sends startdate with enddate, since Moodle skips an enddate sent alone', () => {
    expect(diffCourse(course({ enddate: 0 }), { desired })).toEqual({
      update: { id: 40, startdate: Date.UTC(2027, 0, 4) / 1000, enddate: Date.UTC(2027, 5, 30) / 1000 },
      changed: ['enddate'],
    });
  });

  it('sets the idnumber of an adopted course', () => {
    expect(diffCourse(course({ idnumber: '' }), { desired })).toEqual({
      update: { id: 40, idnumber: 'zoho-class-5725767000000123456' },
      changed: ['idnumber'],
    });
  });

  it('reads names as Moodle returns them, with HTML entities', () => {
    const ampersand = desiredCourse(state({ name: 'Maths & Physics <A>' }), settings());
    expect(
      diffCourse(course({ fullname: 'Maths &amp; Physics &lt;A&gt;' }), { desired: ampersand }),
    ).toBeUndefined();
  });

  it('changes only the visibility for a delete', () => {
    expect(diffCourse(course({ fullname: 'Other' }), { visible: 0 })).toEqual({
      update: { id: 40, visible: 0 },
      changed: ['visible'],
    });
  });
});
