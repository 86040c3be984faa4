import { ProcessingError } from '../../event-log/processing-error.js';
import type { MoodleCategory, MoodleClient, NewMoodleCategory } from '../../moodle/create-moodle-client.js';
import { MoodleException } from '../../moodle/moodle-errors.js';
import {
  describeCapability,
  GRANT_CAPABILITY_PAGE,
  missingCapability,
} from '../shared/moodle-capabilities.js';
import { moodleSaid, sameMoodleText } from '../shared/moodle-text.js';
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

/** What one program's resolution works with. */
interface Resolution {
  readonly client: MoodleClient;
  readonly settings: ProgramSettings;
  readonly program: ProgramForMoodle;
  /** `Zoho program 5725… ("Name")`, for messages. */
  readonly record: string;
  readonly idnumber: string;
}

/** The web-service user may not search categories by idnumber (no moodle/category:manage). */
const UNSEARCHABLE = Symbol('unsearchable');

/**
 * Finds a program's Moodle course category: the one its MoodleID names (which must exist), else the one with
 * its idnumber, else one mzi creates, else the default; or fails saying what the school can do (issue 17).
 */
export async function resolveCategory(
  client: MoodleClient,
  settings: ProgramSettings,
  program: ProgramForMoodle,
): Promise<ResolvedCategory> {
  const r: Resolution = {
    client,
    settings,
    program,
    record: `Zoho program ${program.recordId}${named(program)}`,
    idnumber: categoryIdnumber(settings, program.recordId),
  };
  if (program.moodleId !== null) return givenCategory(r, program.moodleId);

  const existing = await findByIdnumber(r);
  if (existing === UNSEARCHABLE) return unsearchable(r);
  if (existing) return found(existing, 'idnumber', renameWarnings(existing, program));

  const decision = decideMissingCategory(program, settings);
  if (decision.kind === 'fail') throw decision.error;
  if (decision.kind === 'default') {
    return defaultCategory(
      r,
      decision.categoryId,
      `MoodleID is empty, no category has the idnumber "${r.idnumber}" and MOODLE_CREATE_CATEGORIES is off`,
    );
  }
  return createCategory(r, decision.category);
}

async function givenCategory(r: Resolution, moodleId: string): Promise<ResolvedCategory> {
  const id = parseMoodleId(moodleId, 'MoodleID', r.record);
  const [category] = await r.client.getCategories([{ key: 'id', value: String(id) }]);
  if (!category) {
    throw new ProcessingError(
      'program.category_not_found',
      `MoodleID ${id} of ${r.record} is not a Moodle course category (or the web-service user cannot see it). Correct MoodleID in Zoho (Site administration > Courses > Manage courses and categories shows each category's id), or empty it so mzi finds the category by its idnumber; then retry this event.`,
    );
  }
  return found(category, 'given', []);
}

async function findByIdnumber(r: Resolution): Promise<MoodleCategory | undefined | typeof UNSEARCHABLE> {
  try {
    const [category] = await r.client.getCategories([{ key: 'idnumber', value: r.idnumber }]);
    return category;
  } catch (error) {
    if (error instanceof MoodleException && error.errorcode === 'criteriaerror') return UNSEARCHABLE;
    throw error;
  }
}

/**
 * A web-service user without moodle/category:manage can neither search categories by idnumber nor create
 * them: with MOODLE_DEFAULT_CATEGORY_ID (and creating off) the program uses that, otherwise the event says
 * what to grant or set.
 */
async function unsearchable(r: Resolution): Promise<ResolvedCategory> {
  const why = `the web-service user may not search course categories by idnumber (it lacks moodle/category:manage)`;
  if (!r.settings.createCategories && r.settings.defaultCategoryId !== undefined) {
    return defaultCategory(r, r.settings.defaultCategoryId, `MoodleID is empty and ${why}`);
  }
  throw new ProcessingError(
    'program.category_search_refused',
    `mzi cannot find the Moodle course category of ${r.record}: its MoodleID is empty and ${why}${r.settings.createCategories ? ', which creating categories needs too' : ''}. Set MoodleID in Zoho to the id of the program's category; or grant moodle/category:manage at ${GRANT_CAPABILITY_PAGE}; or set MOODLE_DEFAULT_CATEGORY_ID (with MOODLE_CREATE_CATEGORIES off) to the category its classes should go in. Then retry this event.`,
  );
}

async function defaultCategory(
  r: Resolution,
  categoryId: number,
  because: string,
): Promise<ResolvedCategory> {
  const [category] = await r.client.getCategories([{ key: 'id', value: String(categoryId) }]);
  if (!category) {
    throw new ProcessingError(
      'program.default_category_missing',
      `${r.record} has no course category of its own, and MOODLE_DEFAULT_CATEGORY_ID=${categoryId} is not a Moodle course category (or the web-service user cannot see it). Set MOODLE_DEFAULT_CATEGORY_ID to an existing category's id (Site administration > Courses > Manage courses and categories), then retry this event.`,
    );
  }
  const reason = `${because}: the program uses MOODLE_DEFAULT_CATEGORY_ID ${category.id}`;
  return {
    categoryId: category.id,
    source: 'default',
    outcome: { action: 'default', category_id: category.id, category_name: category.name, reason },
    warnings: [
      `${r.record} has no course category of its own: ${reason} ("${category.name}"). Set its MoodleID in Zoho (or MOODLE_CREATE_CATEGORIES=true) to give it one.`,
    ],
  };
}

async function createCategory(r: Resolution, category: NewMoodleCategory): Promise<ResolvedCategory> {
  try {
    const [created] = await r.client.createCategories([category]);
    if (!created) throw new ProcessingError('moodle.unexpected_response', 'Moodle created no category.');
    return {
      categoryId: created.id,
      source: 'created',
      outcome: {
        action: 'created',
        category_id: created.id,
        idnumber: r.idnumber,
        parent: r.settings.parentCategoryId,
      },
      warnings: [],
    };
  } catch (error) {
    if (error instanceof MoodleException && error.errorcode === 'categoryidnumbertaken') {
      // Created meanwhile by another event, or there all along but hidden from the web-service user.
      const now = await findByIdnumber(r);
      if (now && now !== UNSEARCHABLE) return found(now, 'idnumber', renameWarnings(now, r.program));
      throw new ProcessingError(
        'moodle.categoryidnumbertaken',
        `A Moodle course category already has the idnumber "${r.idnumber}" of ${r.record}, but the web-service user cannot see it (a hidden category needs moodle/category:viewhiddencategories). Grant that at ${GRANT_CAPABILITY_PAGE}, or set the program's MoodleID in Zoho to that category's id; then retry this event.`,
        { cause: error },
      );
    }
    throw explainCreateFailure(error, r, category.name);
  }
}

function found(category: MoodleCategory, source: 'given' | 'idnumber', warnings: string[]): ResolvedCategory {
  return {
    categoryId: category.id,
    source,
    outcome: { action: 'linked', category_id: category.id, category_name: category.name, found_by: source },
    warnings,
  };
}

/**
 * mzi leaves category names alone: the token's service has no function that renames a category
 * (core_course_update_categories), so a renamed program only says so.
 */
function renameWarnings(category: MoodleCategory, program: ProgramForMoodle): string[] {
  if (program.name === null || sameMoodleText(program.name, category.name)) return [];
  return [
    `Moodle course category ${category.id} is named "${category.name}" but Zoho program ${program.recordId} is now "${program.name}": mzi does not rename categories. Rename it in Moodle (Site administration > Courses > Manage courses and categories) if you want the names to match.`,
  ];
}

function explainCreateFailure(error: unknown, r: Resolution, name: string): unknown {
  if (!(error instanceof MoodleException)) return error;
  const failed = `Moodle refused to create the course category "${name}" (in parent category ${r.settings.parentCategoryId}, MOODLE_CATEGORY_PARENT_ID) for ${r.record}`;
  if (error.errorcode === 'nopermissions') {
    const capability = describeCapability(missingCapability(error.moodleMessage), 'moodle/category:manage');
    return new ProcessingError(
      error.code,
      `${failed}: the web-service user lacks ${capability}. Grant it at ${GRANT_CAPABILITY_PAGE}, or create the category yourself and set the program's MoodleID in Zoho; then retry this event. ${moodleSaid(error)}`,
      { cause: error },
    );
  }
  return new ProcessingError(
    error.code,
    `${failed}. Check that MOODLE_CATEGORY_PARENT_ID names an existing category (0 = top level), or create the category yourself and set the program's MoodleID in Zoho; then retry this event. ${moodleSaid(error)}`,
    { retryable: error.retryable, cause: error },
  );
}
