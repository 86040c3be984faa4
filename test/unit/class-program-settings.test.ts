import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const load = (env: Record<string, string>) => loadConfig({ env, dotenvPath: null });

describe('program and class settings', () => {
  it('have the documented defaults', () => {
    const config = load({});
    expect(config.modules.program).toEqual({
      idnumberPrefix: 'zoho-program-',
      createCategories: false,
      parentCategoryId: 0,
      defaultCategoryId: undefined,
    });
    expect(config.modules.class).toEqual({
      idnumberPrefix: 'zoho-class-',
      createStatuses: ['active'],
      hideStatuses: ['completed', 'cancelled'],
      onDelete: 'hide',
      teacherRoleId: 3,
      defaultCategoryId: undefined,
      timeZone: 'UTC',
    });
  });

  it('read statuses in any case, ids and the school time zone', () => {
    const config = load({
      MOODLE_COURSE_CREATE_STATUSES: 'Active, Running',
      MOODLE_COURSE_HIDE_STATUSES: '',
      MOODLE_TEACHER_ROLE_ID: '12',
      MOODLE_DEFAULT_CATEGORY_ID: '4',
      MOODLE_CREATE_CATEGORIES: 'yes',
      SCHOOL_TIMEZONE: 'Asia/Beirut',
    });
    expect(config.modules.class).toMatchObject({
      createStatuses: ['active', 'running'],
      hideStatuses: [],
      teacherRoleId: 12,
      defaultCategoryId: 4,
      timeZone: 'Asia/Beirut',
    });
    expect(config.modules.program).toMatchObject({ createCategories: true, defaultCategoryId: 4 });
  });

  it('refuse at start a time zone that is no IANA name, and ids that are no ids, naming each setting', () => {
    const error = (() => {
      try {
        load({
          SCHOOL_TIMEZONE: '+02:00',
          MOODLE_TEACHER_ROLE_ID: 'editingteacher',
          MOODLE_CREATE_CATEGORIES: 'maybe',
          MOODLE_ON_CLASS_DELETE: 'delete',
        });
      } catch (e) {
        return String(e);
      }
      return '';
    })();
    expect(error).toContain('SCHOOL_TIMEZONE: must be an IANA time zone name such as Asia/Beirut');
    expect(error).toContain(
      'MOODLE_TEACHER_ROLE_ID: must be a Moodle id (a whole number from 1), got "editingteacher"',
    );
    expect(error).toContain('MOODLE_CREATE_CATEGORIES: must be true or false, got "maybe"');
    expect(error).toContain('MOODLE_ON_CLASS_DELETE');
    expect(() => load({ SCHOOL_TIMEZONE: 'Mars/Olympus' })).toThrow(/SCHOOL_TIMEZONE/);
  });
});
