import type { ZohoModule } from '../modules/zoho-module.js';
import { SEARCH_KEY_COLUMNS, type SearchKeyColumn } from './search-key-columns.js';

/**
 * An event as operators read it (admin API, `mzi events … --json`): its search-key columns under the names its
 * module gives them (`academic_email`, `student_id_number`), as before the columns became generic. Columns of a
 * module mzi no longer serves keep their generic names.
 */
export function nameSearchKeys<
  T extends { module: string } & Partial<Record<SearchKeyColumn, string | null>>,
>(
  event: T,
  modules: readonly Pick<ZohoModule, 'zohoApiName' | 'searchKeys'>[],
): Omit<T, SearchKeyColumn> & Record<string, unknown> {
  const module = modules.find((candidate) => candidate.zohoApiName === event.module);
  if (!module) return event;
  const out: Record<string, unknown> = { ...event };
  SEARCH_KEY_COLUMNS.forEach((column, index) => {
    if (!(column in out)) return;
    const value = out[column];
    delete out[column];
    const key = module.searchKeys[index];
    if (key) out[key.name] = value;
  });
  return out as Omit<T, SearchKeyColumn> & Record<string, unknown>;
}
