import { describe, expect, it } from 'vitest';
import { decideMissingCategory } from '../../src/modules/programs/decide-category.js';
import { programCategoriesCheck } from '../../src/modules/programs/program-doctor-check.js';
import type { ProgramSettings } from '../../src/modules/programs/program-settings.js';
import { parseMoodleId } from '../../src/modules/shared/parse-moodle-id.js';

const settings = (overrides: Partial<ProgramSettings> = {}): ProgramSettings => ({
  idnumberPrefix: 'zoho-program-',
  createCategories: false,
  parentCategoryId: 0,
  defaultCategoryId: undefined,
  ...overrides,
});

const program = { recordId: '5725767000000999001', name: 'BTEC IT', moodleId: null };

describe('a program without a category', () => {
  it('gets one created with its name and idnumber under the parent when MOODLE_CREATE_CATEGORIES is on', () => {
    expect(decideMissingCategory(program, settings({ createCategories: true, parentCategoryId: 4 }))).toEqual(
      {
        kind: 'create',
        category: { name: 'BTEC IT', parent: 4, idnumber: 'zoho-program-5725767000000999001' },
      },
    );
  });

  it('prefers creating to the default category', () => {
    expect(
      decideMissingCategory(program, settings({ createCategories: true, defaultCategoryId: 9 })),
    ).toMatchObject({ kind: 'create' });
  });

  it('uses the default category when creating is off', () => {
    expect(decideMissingCategory(program, settings({ defaultCategoryId: 9 }))).toEqual({
      kind: 'default',
      categoryId: 9,
    });
  });

  it('fails naming the three ways out when neither is configured', () => {
    const decision = decideMissingCategory(program, settings());
    expect(decision.kind).toBe('fail');
    const message = decision.kind === 'fail' ? decision.error.message : '';
    expect(message).toContain('Zoho program 5725767000000999001 ("BTEC IT") has no Moodle course category');
    expect(message).toContain('"zoho-program-5725767000000999001"');
    expect(message).toContain('set MoodleID in Zoho');
    expect(message).toContain('MOODLE_CREATE_CATEGORIES=true');
    expect(message).toContain('MOODLE_DEFAULT_CATEGORY_ID');
    expect(decision.kind === 'fail' && decision.error.code).toBe('program.category_unresolved');
  });

  it('cannot create a category without a Product_Name', () => {
    const decision = decideMissingCategory({ ...program, name: null }, settings({ createCategories: true }));
    expect(decision.kind === 'fail' && decision.error.code).toBe('validation.product_name_missing');
  });
});

describe('a Moodle id given in Zoho', () => {
  it('reads whole numbers as Zoho writes them', () => {
    expect(parseMoodleId('42', 'MoodleID', 'x')).toBe(42);
    expect(parseMoodleId(' 1,234 ', 'MoodleID', 'x')).toBe(1234);
    expect(parseMoodleId('12.0', 'MoodleID', 'x')).toBe(12);
  });

  it('refuses anything else, naming the field and the value', () => {
    for (const value of ['0', '-3', 'abc', '1.5', '']) {
      expect(() => parseMoodleId(value, 'Moodle_Class_ID', 'Zoho class 7')).toThrow(
        `Moodle_Class_ID "${value}" of Zoho class 7 is not a Moodle id`,
      );
    }
  });
});

describe('the doctor line of programs', () => {
  it('says how a program without MoodleID gets its category, or that it fails', () => {
    expect(programCategoriesCheck(settings()).detail).toBe(
      'a program without MoodleID uses the category with idnumber zoho-program-<record id>; a program with neither fails, saying to set its MoodleID, MOODLE_CREATE_CATEGORIES=true or MOODLE_DEFAULT_CATEGORY_ID',
    );
    expect(programCategoriesCheck(settings({ defaultCategoryId: 9 }))).toMatchObject({
      status: 'ok',
      detail:
        'a program without MoodleID uses the category with idnumber zoho-program-<record id>, else MOODLE_DEFAULT_CATEGORY_ID 9',
    });
  });
});
