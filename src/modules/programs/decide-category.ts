import { ProcessingError } from '../../event-log/processing-error.js';
import type { NewMoodleCategory } from '../../moodle/create-moodle-client.js';
import type { ProgramSettings } from './program-settings.js';

/** A program as its category is resolved: from the delivery, merged with the mirror. */
export interface ProgramForMoodle {
  readonly recordId: string;
  readonly name: string | null;
  /** MoodleID as given in Zoho, unparsed; null when empty. */
  readonly moodleId: string | null;
}

/** What to do for a program that has no MoodleID and no category with its idnumber. */
export type MissingCategoryDecision =
  | { readonly kind: 'create'; readonly category: NewMoodleCategory }
  | { readonly kind: 'default'; readonly categoryId: number }
  | { readonly kind: 'fail'; readonly error: ProcessingError };

/** The idnumber of a program's category. */
export function categoryIdnumber(settings: ProgramSettings, recordId: string): string {
  return `${settings.idnumberPrefix}${recordId}`;
}

/**
 * A program without a category gets one created (MOODLE_CREATE_CATEGORIES), else the default category
 * (MOODLE_DEFAULT_CATEGORY_ID), else fails saying which of the three the school can do.
 */
export function decideMissingCategory(
  program: ProgramForMoodle,
  settings: ProgramSettings,
): MissingCategoryDecision {
  const idnumber = categoryIdnumber(settings, program.recordId);
  if (settings.createCategories) {
    if (program.name === null) {
      return {
        kind: 'fail',
        error: new ProcessingError(
          'validation.product_name_missing',
          `Zoho program ${program.recordId} has no Product_Name, which mzi needs to create its Moodle course category (MOODLE_CREATE_CATEGORIES=true). Fill in Product_Name in Zoho and save the record.`,
        ),
      };
    }
    return {
      kind: 'create',
      category: { name: program.name, parent: settings.parentCategoryId, idnumber },
    };
  }
  if (settings.defaultCategoryId !== undefined) {
    return { kind: 'default', categoryId: settings.defaultCategoryId };
  }
  return {
    kind: 'fail',
    error: new ProcessingError(
      'program.category_unresolved',
      `Zoho program ${program.recordId}${named(program)} has no Moodle course category: its MoodleID is empty and no category has the idnumber "${idnumber}". Do one of these, then retry this event: set MoodleID in Zoho to the id of the program's category (Site administration > Courses > Manage courses and categories); or set MOODLE_CREATE_CATEGORIES=true so mzi creates it; or set MOODLE_DEFAULT_CATEGORY_ID to the category its classes should go in.`,
    ),
  };
}

/** ` ("Name")` for messages, or nothing. */
export function named(program: ProgramForMoodle): string {
  return program.name ? ` ("${program.name}")` : '';
}
