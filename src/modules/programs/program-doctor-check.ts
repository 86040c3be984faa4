import type { ModuleCheck } from '../zoho-module.js';
import type { ProgramSettings } from './program-settings.js';

/** How a program without MoodleID gets its category (`mzi doctor`). */
export function programCategoriesCheck(settings: ProgramSettings): ModuleCheck {
  const found = `a program without MoodleID uses the category with idnumber ${settings.idnumberPrefix}<record id>`;
  if (settings.createCategories) {
    return {
      name: 'moodle course categories',
      status: 'ok',
      detail: `${found}, else mzi creates it under category ${settings.parentCategoryId} (MOODLE_CREATE_CATEGORIES=true)`,
    };
  }
  if (settings.defaultCategoryId !== undefined) {
    return {
      name: 'moodle course categories',
      status: 'ok',
      detail: `${found}, else MOODLE_DEFAULT_CATEGORY_ID ${settings.defaultCategoryId}`,
    };
  }
  // Failing with instructions is the intended default (issue 17), so this is no warning.
  return {
    name: 'moodle course categories',
    status: 'ok',
    detail: `${found}; a program with neither fails, saying to set its MoodleID, MOODLE_CREATE_CATEGORIES=true or MOODLE_DEFAULT_CATEGORY_ID`,
  };
}
