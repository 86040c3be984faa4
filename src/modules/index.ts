import type { Migration } from 'kysely';
import type { Config } from '../config.js';
import type { MoodleClient } from '../moodle/create-moodle-client.js';
import type { BatchEventHandler, EventHandler } from '../worker/event-handler.js';
import type { Dependencies } from '../worker/wait-for-dependencies.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import { classes } from './classes/index.js';
import { enrollments } from './enrollments/index.js';
import { grades } from './grades/index.js';
import { programs } from './programs/index.js';
import { students } from './students/index.js';
import { teachers } from './teachers/index.js';
import type {
  CoursesOf,
  HoldersOf,
  LinksOf,
  MoodleUserHolder,
  RecordData,
  ZohoModule,
} from './zoho-module.js';

export type { ZohoModule } from './zoho-module.js';

/** Every Zoho module mzi keeps in step: adding one is its folder and its line here (DESIGN.md §9). */
export const MODULES: readonly ZohoModule[] = [students, teachers, programs, classes, enrollments, grades];

/** The modules Zoho feeds (webhooks, Zoho-side sync, fetch, write-back): all but those polled from Moodle. */
export function fromZoho(modules: readonly ZohoModule[]): ZohoModule[] {
  return modules.filter((module) => !module.fromMoodle);
}

/** The modules whose records mzi polls from Moodle (grades). */
export function fromMoodle(modules: readonly ZohoModule[]): ZohoModule[] {
  return modules.filter((module) => module.fromMoodle);
}

/** The module of a URL segment or CLI noun (`student`). */
export function findModule(name: string, modules: readonly ZohoModule[] = MODULES): ZohoModule | undefined {
  return modules.find((module) => module.name === name);
}

/** The module whose events carry this Zoho API name (`BTEC_Students`). */
export function findModuleByApiName(
  zohoApiName: string,
  modules: readonly ZohoModule[] = MODULES,
): ZohoModule | undefined {
  return modules.find((module) => module.zohoApiName === zohoApiName);
}

/** A module's settings as loaded into the Config (see loadConfig). */
export function moduleSettings<S>(config: Config, module: ZohoModule<S>): S {
  return config.modules[module.name] as S;
}

/** The migrations of every module, to merge with the core ones. */
export function moduleMigrations(modules: readonly ZohoModule[]): Record<string, Migration> {
  return Object.assign({}, ...modules.map((module) => module.migrations ?? {}));
}

/** The worker's handlers, by the Zoho API name its events carry. */
export function createModuleHandlers(options: {
  modules: readonly ZohoModule[];
  config: Config;
  moodle: MoodleClient | undefined;
  zoho?: ZohoApi | undefined;
}): Record<string, EventHandler | BatchEventHandler> {
  const linksOf = createLinksOf(options.modules);
  const holdersOf = createHoldersOf(options.modules);
  return Object.fromEntries(
    options.modules.map((module) => [
      module.zohoApiName,
      module.createHandler({
        settings: moduleSettings(options.config, module),
        moodle: options.moodle,
        linksOf,
        holdersOf,
        zoho: options.zoho,
      }),
    ]),
  );
}

/** Reads another module's Moodle links through its `moodleLinks`; naming a module without them is a bug. */
export function createLinksOf(modules: readonly ZohoModule[]): LinksOf {
  return async (name, db, recordIds) => {
    const module = findModule(name, modules);
    if (!module?.moodleLinks) {
      throw new TypeError(
        `No module "${name}" with Moodle links among ${modules.map((m) => m.name).join(', ')}`,
      );
    }
    if (recordIds.length === 0) return new Map();
    return module.moodleLinks(db, recordIds);
  };
}

/** Reads the courses of live records through every module's `linkedCourses`. */
export function createCoursesOf(modules: readonly ZohoModule[], config: Config): CoursesOf {
  const linking = modules.filter((module) => module.linkedCourses);
  return async (db) => {
    const found = await Promise.all(
      linking.map((module) => module.linkedCourses?.(db, moduleSettings(config, module)) ?? []),
    );
    return found.flat();
  };
}

/** Reads who holds Moodle users through every module's `moodleUserHolders`. */
export function createHoldersOf(modules: readonly ZohoModule[]): HoldersOf {
  const holding = modules.filter((module) => module.moodleUserHolders);
  return async (db, userIds) => {
    const holders = new Map<number, MoodleUserHolder[]>();
    if (userIds.length === 0) return holders;
    const found = await Promise.all(
      holding.map(async (module) => ({ module, byUser: await module.moodleUserHolders?.(db, userIds) })),
    );
    for (const { module, byUser } of found) {
      for (const [userId, recordIds] of byUser ?? []) {
        const list = holders.get(userId) ?? [];
        for (const recordId of recordIds)
          list.push({ module: module.name, zohoApiName: module.zohoApiName, recordId });
        holders.set(userId, list);
      }
    }
    return holders;
  };
}

/**
 * What the worker needs to let events wait for records of other modules: the records each event waits for
 * (its module's `waitsFor`, named as the event log names them: by Zoho API name and record id), each module's
 * wait limit (its `waitLimitSeconds`, else DEPENDENCY_WAIT), and the log's name of a record a handler waits for
 * (WaitForRecord). Wake-ups are on when a module declares either member, since only such a module waits.
 */
export function moduleDependencies(modules: readonly ZohoModule[], config: Config): Dependencies {
  const limits = new Map(
    modules.map((module) => [
      module.zohoApiName,
      module.waitLimitSeconds?.(moduleSettings(config, module)) ?? config.worker.dependencyWaitSeconds,
    ]),
  );
  return {
    waitsFor: modules.some((module) => module.waitsFor)
      ? (event) => recordsWaitedFor(modules, event)
      : undefined,
    waitLimitSeconds: (module) => limits.get(module) ?? config.worker.dependencyWaitSeconds,
    logRef: (wait) => ({
      module: findModule(wait.module, modules)?.zohoApiName ?? wait.module,
      recordId: wait.recordId,
    }),
    wakeUps: modules.some((module) => module.waitsFor || module.waitLimitSeconds),
  };
}

/**
 * The records of other modules an event waits for (its module's `waitsFor`), as the event log names them. A
 * delete waits for nothing: what it undoes was applied with its record's own links.
 */
function recordsWaitedFor(
  modules: readonly ZohoModule[],
  event: { module: string; event_type: string; payload: string },
): { module: string; recordId: string }[] {
  const module = findModuleByApiName(event.module, modules);
  if (!module?.waitsFor || event.event_type === 'delete') return [];
  let data: RecordData;
  try {
    data = (JSON.parse(event.payload) as { data?: RecordData }).data ?? {};
  } catch {
    return [];
  }
  return module.waitsFor(data).map((ref) => ({
    module: findModule(ref.module, modules)?.zohoApiName ?? ref.module,
    recordId: ref.recordId,
  }));
}
