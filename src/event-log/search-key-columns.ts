import type { NewEventRow } from '../db/schema.js';
import type { RecordData, SearchKeys, ZohoModule } from '../modules/zoho-module.js';

/** The event log's generic key columns, in the order modules declare their search keys. */
export const SEARCH_KEY_COLUMNS = ['search_key_1', 'search_key_2'] as const;

export type SearchKeyColumn = (typeof SEARCH_KEY_COLUMNS)[number];

/** A search term as one key column stores it. */
export interface SearchKeyTerm {
  readonly column: SearchKeyColumn;
  readonly value: string;
}

/** The event row's search-key columns for a record of a module with these keys. */
export function searchKeyColumns(keys: SearchKeys, data: RecordData): Pick<NewEventRow, SearchKeyColumn> {
  return {
    search_key_1: keys[0]?.read(data) ?? null,
    search_key_2: keys[1]?.read(data) ?? null,
  };
}

/**
 * The column values an operator's search term can match: each module's keys say which of them the term can be
 * and in what form. None when the term fits no key (the search then finds nothing).
 */
export function searchKeyTerms(
  term: string,
  modules: readonly Pick<ZohoModule, 'searchKeys'>[],
): SearchKeyTerm[] {
  const terms = new Map<string, SearchKeyTerm>();
  for (const module of modules) {
    module.searchKeys.forEach((key, index) => {
      const value = key.match(term);
      const column = SEARCH_KEY_COLUMNS[index];
      if (value !== undefined && column) terms.set(`${column}\u0000${value}`, { column, value });
    });
  }
  return [...terms.values()];
}
