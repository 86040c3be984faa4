import { has, requireCapability } from './capabilities.js';
import { InvalidParameter, moodleException } from './errors.js';
import { cleanParam, cleanSequence, multiple, phpIntval, single, value } from './params.js';
import type { Caller, Env, FakeMoodleCategory, FunctionDef } from './state.js';

/** core_course_get_categories and core_course_create_categories (transcript section B, #101-#105). */

/** MAX_COURSES_IN_CATEGORY: fix_course_sortorder() spaces categories this far apart (#102: 10000, 20000). */
const CATEGORY_SPACING = 10000;

/** Inserts a category as core_course_category::create() does; the caller checked everything else. */
export function insertCategory(env: Env, fields: Partial<FakeMoodleCategory>): FakeMoodleCategory {
  const id = fields.id ?? env.nextCategoryId();
  if (env.categories.has(id)) throw new Error(`fake Moodle: category id ${id} already exists`);
  const parent = fields.parent ? env.categories.get(fields.parent) : undefined;
  if (fields.parent && !parent)
    throw new Error(`fake Moodle: parent category ${fields.parent} does not exist`);
  const visible = fields.visible ?? parent?.visible ?? 1;
  const category: FakeMoodleCategory = {
    name: `Category ${id}`,
    idnumber: null,
    description: '',
    descriptionformat: 1,
    theme: '',
    visibleold: 1,
    timemodified: env.now(),
    ...fields,
    id,
    parent: parent?.id ?? 0,
    visible,
    depth: (parent?.depth ?? 0) + 1,
    path: `${parent?.path ?? ''}/${id}`,
    // Placed last among its siblings, then renumbered.
    sortorder: Number.MAX_SAFE_INTEGER,
  };
  env.categories.set(id, category);
  renumberCategories(env);
  return category;
}

/** fix_course_sortorder() for categories: depth first, siblings in their current order. */
export function renumberCategories(env: Env): void {
  let next = CATEGORY_SPACING;
  const visit = (parentId: number): void => {
    const children = [...env.categories.values()]
      .filter((category) => category.parent === parentId)
      .sort((a, b) => a.sortorder - b.sortorder || a.id - b.id);
    for (const child of children) {
      child.sortorder = next;
      next += CATEGORY_SPACING;
      visit(child.id);
    }
  };
  visit(0);
}

type Criterion = (category: FakeMoodleCategory) => boolean;

/** One criterion; those needing moodle/category:manage (or viewhiddencategories) refuse other callers. */
function criterion(key: string, raw: string, caller: Caller, env: Env): Criterion {
  // Unverified message: webservice `criteriaerror`; the reason is the debuginfo.
  const refuse = (debuginfo: string): never => {
    throw moodleException('criteriaerror', 'Missing permissions to search on a criterion.', debuginfo);
  };
  const manage = has(caller, 'moodle/category:manage');
  switch (key) {
    case 'id':
      return (category) => category.id === phpIntval(raw);
    case 'ids': {
      const ids = new Set(cleanSequence(raw).split(',').map(Number));
      return (category) => ids.has(category.id);
    }
    case 'idnumber':
      if (!manage) refuse('You don\'t have the permissions to search on the "idnumber" field.');
      return (category) => category.idnumber === raw;
    case 'name': {
      const name = cleanParam(raw, 'text', env);
      return (category) => category.name === name;
    }
    case 'parent':
      return (category) => category.parent === phpIntval(raw);
    case 'visible':
      if (!has(caller, 'moodle/category:viewhiddencategories')) {
        refuse('You don\'t have the permissions to search on the "visible" field.');
      }
      return (category) => category.visible === phpIntval(raw);
    case 'theme':
      if (!manage) refuse('You don\'t have the permissions to search on the "theme" field.');
      return (category) => category.theme === raw;
    default:
      return refuse(`You can not search on this criteria: ${key}`);
  }
}

/** The categories the criteria select, with their subcategories when asked (#102-#104). */
function selectCategories(env: Env, caller: Caller, params: Record<string, unknown>): FakeMoodleCategory[] {
  const criteria = params.criteria as { key: string; value: string }[];
  const all = [...env.categories.values()];
  if (criteria.length === 0) return all;
  const seen = new Set<string>();
  const tests: Criterion[] = [];
  const inherited: Criterion[] = [];
  for (const { key, value: raw } of criteria) {
    // A repeated key is ignored, except `ids`, which Moodle does not key by name.
    if (seen.has(key) && key !== 'ids') continue;
    seen.add(key);
    const test = criterion(key, raw, caller, env);
    tests.push(test);
    if (key === 'visible' || key === 'theme') inherited.push(test);
  }
  const found = all.filter((category) => tests.every((test) => test(category)));
  if (!params.addsubcategories) return found;
  const result = new Map(found.map((category) => [category.id, category]));
  for (const category of found) {
    for (const other of all) {
      if (other.path.startsWith(`${category.path}/`) && inherited.every((test) => test(other))) {
        result.set(other.id, other);
      }
    }
  }
  return [...result.values()];
}

function categoryInfo(env: Env, caller: Caller, category: FakeMoodleCategory): Record<string, unknown> {
  const manage = has(caller, 'moodle/category:manage');
  let coursecount = 0;
  for (const course of env.courses.values()) if (course.categoryid === category.id) coursecount += 1;
  // Keys in the order of get_categories_returns(); some only for managers.
  return {
    id: category.id,
    name: category.name,
    ...(manage ? { idnumber: category.idnumber } : {}),
    description: category.description,
    // Unverified for other formats: format_text() returns HTML, so the format comes back as FORMAT_HTML.
    descriptionformat: 1,
    parent: category.parent,
    sortorder: category.sortorder,
    coursecount,
    ...(manage
      ? { visible: category.visible, visibleold: category.visibleold, timemodified: category.timemodified }
      : {}),
    depth: category.depth,
    path: category.path,
    ...(manage ? { theme: category.theme } : {}),
  };
}

export const CATEGORY_FUNCTIONS: Record<string, FunctionDef> = {
  core_course_get_categories: {
    params: {
      criteria: multiple(single({ key: value('alpha'), value: value('raw') }), { default: [] }),
      addsubcategories: value('bool', { default: true }),
    },
    run: (params, env, caller) => {
      const excluded = new Set<number>();
      const visible: FakeMoodleCategory[] = [];
      const selected = selectCategories(env, caller, params).sort((a, b) =>
        a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
      );
      for (const category of selected) {
        const parents = category.path.split('/').slice(1).map(Number);
        if (parents.some((id) => excluded.has(id))) excluded.add(category.id);
        else if (category.visible || has(caller, 'moodle/category:viewhiddencategories')) {
          visible.push(category);
        } else excluded.add(category.id);
      }
      // Moodle sorts with strcmp() on the sortorder, so "100000" comes before "20000".
      return visible
        .sort((a, b) => (String(a.sortorder) < String(b.sortorder) ? -1 : 1))
        .map((category) => categoryInfo(env, caller, category));
    },
  },

  core_course_create_categories: {
    params: {
      categories: multiple(
        single({
          name: value('text'),
          parent: value('int', { default: 0 }),
          idnumber: value('raw', 'optional'),
          description: value('raw', 'optional'),
          descriptionformat: value('int', { default: 1 }),
          theme: value('plugin', 'optional'),
        }),
      ),
    },
    run: (params, env, caller) => {
      // One transaction: a failure rolls back the categories created before it (ids stay consumed).
      const created: FakeMoodleCategory[] = [];
      try {
        for (const input of params.categories as Record<string, string | number | undefined>[]) {
          created.push(createCategory(env, caller, input));
        }
      } catch (error) {
        for (const category of created) env.categories.delete(category.id);
        renumberCategories(env);
        throw error;
      }
      return created.map(({ id, name }) => ({ id, name }));
    },
  },
};

function createCategory(
  env: Env,
  caller: Caller,
  input: Record<string, string | number | undefined>,
): FakeMoodleCategory {
  const parent = input.parent as number;
  // Unverified message: lang/en/error.php `unknowcategory`.
  if (parent && !env.categories.has(parent)) throw moodleException('unknowcategory', 'Unknown category');
  requireCapability(caller, 'moodle/category:manage');
  if (![0, 1, 2, 4].includes(input.descriptionformat as number)) {
    throw new InvalidParameter('Invalid format'); // unverified debuginfo
  }
  const name = String(input.name);
  // Unverified messages (core_course_category::create): a string the error component may lack.
  if (name.trim() === '') throw moodleException('categorynamerequired');
  if ([...name].length > 255) throw moodleException('categorytoolong');
  const idnumber = input.idnumber === undefined ? null : String(input.idnumber);
  if (idnumber !== null) {
    if ([...idnumber].length > 100) throw moodleException('idnumbertoolong');
    if (idnumber !== '' && [...env.categories.values()].some((other) => other.idnumber === idnumber)) {
      // #105: an exception, not a warning.
      throw moodleException('categoryidnumbertaken', 'ID number is already used for another category');
    }
  }
  return insertCategory(env, {
    name,
    idnumber,
    parent,
    description: input.description === undefined ? '' : String(input.description),
    descriptionformat: input.descriptionformat as number,
  });
}
