import { z } from 'zod';
import { booleanSetting, idnumberPrefixSetting, moodleIdSetting } from '../shared/setting-types.js';
import type { ModuleSettings } from '../zoho-module.js';

/** How programs become Moodle course categories. */
export interface ProgramSettings {
  /** Category idnumber = this + the Zoho record id. */
  readonly idnumberPrefix: string;
  /** Create a program's category when none is found. */
  readonly createCategories: boolean;
  /** Where created categories go; 0 is the top level. */
  readonly parentCategoryId: number;
  /** The category of programs that resolve to none (and of classes without a program). */
  readonly defaultCategoryId: number | undefined;
}

const schema = z
  .object({
    MOODLE_CATEGORY_IDNUMBER_PREFIX: idnumberPrefixSetting('zoho-program-'),
    MOODLE_CREATE_CATEGORIES: booleanSetting(false),
    MOODLE_CATEGORY_PARENT_ID: moodleIdSetting(0, 0),
    MOODLE_DEFAULT_CATEGORY_ID: moodleIdSetting(undefined),
  })
  .transform(
    (e): ProgramSettings => ({
      idnumberPrefix: e.MOODLE_CATEGORY_IDNUMBER_PREFIX,
      createCategories: e.MOODLE_CREATE_CATEGORIES,
      parentCategoryId: e.MOODLE_CATEGORY_PARENT_ID,
      defaultCategoryId: e.MOODLE_DEFAULT_CATEGORY_ID,
    }),
  );

/** The programs module's settings section (README, configuration table). */
export const PROGRAM_SETTINGS: ModuleSettings<ProgramSettings> = {
  schema,
  documented: [
    [
      'MOODLE_CATEGORY_IDNUMBER_PREFIX',
      '`zoho-program-`',
      "programs: a program's course category has the idnumber prefix + its Zoho record id",
    ],
    [
      'MOODLE_CREATE_CATEGORIES',
      '`false`',
      'programs: create the category of a program that has none (name = Product_Name); otherwise fail saying how',
    ],
    ['MOODLE_CATEGORY_PARENT_ID', '`0`', 'programs: the category the created ones go in (0 = top level)'],
    [
      'MOODLE_DEFAULT_CATEGORY_ID',
      '—',
      'programs, classes: the category of a program that resolves to none, and of a class without a program',
    ],
  ],
};
