import { ProcessingError } from '../../event-log/processing-error.js';
import type { MoodleCategory, MoodleClient } from '../../moodle/create-moodle-client.js';
import { MoodleException } from '../../moodle/moodle-errors.js';
import {
  describeCapability,
  GRANT_CAPABILITY_PAGE,
  missingCapability,
} from '../shared/moodle-capabilities.js';
import { sameMoodleText } from '../shared/moodle-text.js';
import { parseMoodleId } from '../shared/parse-moodle-id.js';
import { categoryIdnumber, decideMissingCategory, named, type ProgramForMoodle } from './decide-category.js';
import type { ProgramSettings } from './program-settings.js';

/** The category a program resolved to, and how; stored as the program's link. */
export interface ResolvedCategory {
  readonly categoryId: number;
  readonly source: 'given' | 'idnumber' | 'created' | 'default';
  /** The event's result: what mzi did in Moodle. */
  readonly outcome: Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * Finds a program's Moodle course category: the one its MoodleID names (which must exist), else the one with
 * its idnumber, else one mzi creates, else the default; or fails saying what the school can do (issue 17).
 */
export async function resolveCategory(
  client: MoodleClient,
  settings: ProgramSettings,
  program: ProgramForMoodle,
): Promise<ResolvedCategory> {
  const record = `Zoho program ${program.recordId}${named(program)}`;
  if (program.moodleId !== null) {
    const id = parseMoodleId(program.moodleId, 'MoodleID', record);
    const [category] = await client.getCategories([{ key: 'id', value: String(id) }]);
    if (!category) {
      throw new ProcessingError(
        'program.category_not_found',
        `MoodleID ${id} of ${record} is not a Moodle course category (or the web-service user cannot see it). Correct MoodleID in Zoho (Site administration > Courses > Manage courses and categories shows each category's id), or empty it so mzi finds the category by its idnumber; then retry this event.`,
      );
    }
    return found(category, 'given', []);
  }

  const idnumber = categoryIdnumber(settings, program.recordId);
  const existing = await findByIdnumber(client, idnumber);
  if (existing) return found(existing, 'idnumber', renameWarnings(existing, program));

  const decision = decideMissingCategory(program, settings);
  if (decision.kind === 'fail') throw decision.error;
  if (decision.kind === 'default') {
    const [category] = await client.getCategories([{ key: 'id', value: String(decision.categoryId) }]);
    if (!category) {
      throw new ProcessingError(
        'program.default_category_missing',
        `${record} has no course category of its own, and MOODLE_DEFAULT_CATEGORY_ID=${decision.categoryId} is not a Moodle course category (or the web-service user cannot see it). Set MOODLE_DEFAULT_CATEGORY_ID to an existing category's id (Site administration > Courses > Manage courses and categories), then retry this event.`,
      );
    }
    const reason = `MoodleID is empty, no category has the idnumber "${idnumber}" and MOODLE_CREATE_CATEGORIES is off: the program uses MOODLE_DEFAULT_CATEGORY_ID ${category.id}`;
    return {
      ...found(category, 'default', [
        `${record} has no course category of its own: ${reason} ("${category.name}"). Set MoodleID in Zoho or MOODLE_CREATE_CATEGORIES=true to give it one.`,
      ]),
      outcome: { action: 'default', category_id: category.id, category_name: category.name, reason },
    };
  }

  try {
    const [created] = await client.createCategories([decision.category]);
    if (!created) throw new ProcessingError('moodle.unexpected_response', 'Moodle created no category.');
    return {
      categoryId: created.id,
      source: 'created',
      outcome: { action: 'created', category_id: created.id, idnumber, parent: settings.parentCategoryId },
      warnings: [],
    };
  } catch (error) {
    if (error instanceof MoodleException && error.errorcode === 'categoryidnumbertaken') {
      // Created meanwhile by another event, or there all along but hidden from the web-service user.
      const now = await findByIdnumber(client, idnumber);
      if (now) return found(now, 'idnumber', renameWarnings(now, program));
      throw new ProcessingError(
        'moodle.categoryidnumbertaken',
        `A Moodle course category already has the idnumber "${idnumber}" of ${record}, but the web-service user cannot see it (a hidden category needs moodle/category:viewhiddencategories). Grant that at ${GRANT_CAPABILITY_PAGE}, or set the program's MoodleID in Zoho to that category's id; then retry this event.`,
        { cause: error },
      );
    }
    throw explainCreateFailure(error, record, decision.category.name, settings);
  }
}

async function findByIdnumber(client: MoodleClient, idnumber: string): Promise<MoodleCategory | undefined> {
  const [category] = await client.getCategories([{ key: 'idnumber', value: idnumber }]);
  return category;
}

function found(
  category: MoodleCategory,
  source: 'given' | 'idnumber' | 'default',
  warnings: string[],
): ResolvedCategory {
  return {
    categoryId: category.id,
    source,
    outcome: { action: 'linked', category_id: category.id, category_name: category.name, found_by: source },
    warnings,
  };
}

/**
 * mzi leaves category names alone: Moodle's stock web services for categories that mzi's token uses do not
 * rename (no core_course_update_categories in the service), so a renamed program only says so.
 */
function renameWarnings(category: MoodleCategory, program: ProgramForMoodle): string[] {
  if (program.name === null || sameMoodleText(program.name, category.name)) return [];
  return [
    `Moodle course category ${category.id} is named "${category.name}" but Zoho program ${program.recordId} is now "${program.name}": mzi does not rename categories. Rename it in Moodle (Site administration > Courses > Manage courses and categories) if you want the names to match.`,
  ];
}

function explainCreateFailure(
  error: unknown,
  record: string,
  name: string,
  settings: ProgramSettings,
): unknown {
  if (!(error instanceof MoodleException)) return error;
  const failed = `Moodle refused to create the course category "${name}" (in parent category ${settings.parentCategoryId}, MOODLE_CATEGORY_PARENT_ID) for ${record}`;
  if (error.errorcode === 'nopermissions') {
    const capability = describeCapability(missingCapability(error.moodleMessage), 'moodle/category:manage');
    return new ProcessingError(
      error.code,
      `${failed}: the web-service user lacks ${capability}. Grant it at ${GRANT_CAPABILITY_PAGE}, or create the category yourself and set the program's MoodleID in Zoho; then retry this event. (Moodle: ${error.message})`,
      { cause: error },
    );
  }
  return new ProcessingError(
    error.code,
    `${failed}. Check that MOODLE_CATEGORY_PARENT_ID names an existing category (0 = top level), or create the category yourself and set the program's MoodleID in Zoho; then retry this event. (Moodle: ${error.message})`,
    { retryable: error.retryable, cause: error },
  );
}
