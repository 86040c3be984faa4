import type { ModuleRecords, ZohoModule } from './zoho-module.js';

/** A module that keeps local records, and those records. */
export interface ModuleWithRecords {
  readonly module: ZohoModule;
  readonly records: ModuleRecords;
}

/**
 * Words a records section cannot be: the dashboard's own pages (`/admin/<word>`), the admin API's
 * (`/api/v1/<word>`) and the `mzi` commands, since a section is all three.
 */
const RESERVED = new Set([
  'admin-token',
  'assets',
  'doctor',
  'docs',
  'events',
  'help',
  'login',
  'logout',
  'metrics',
  'migrate',
  'purge',
  'send',
  'serve',
  'setup',
  'stats',
  'zoho-setup',
]);

const SECTION = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * The modules that keep records, in the modules' order. Throws when a section is not a lowercase word, is
 * taken by a core page or command, or is declared twice: a bug in a module, found at start.
 */
export function modulesWithRecords(modules: readonly ZohoModule[]): ModuleWithRecords[] {
  const seen = new Set<string>();
  return modules.flatMap((module) => {
    const { records } = module;
    if (!records) return [];
    const { section } = records;
    if (!SECTION.test(section) || RESERVED.has(section) || seen.has(section)) {
      throw new TypeError(
        `Module ${module.name}: records section "${section}" must be a lowercase word not used by another module, a dashboard page or a command (${[...RESERVED].join(', ')}).`,
      );
    }
    seen.add(section);
    return [{ module, records }];
  });
}
