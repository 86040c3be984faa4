import type { NewEventRow } from '../db/schema.js';
import type { SearchKeys } from '../modules/zoho-module.js';

type SearchKeyColumn = 'academic_email' | 'student_id_number';

/**
 * Where the event log keeps a module's search keys: the one mapping from key names to the log's indexed columns.
 * A key without a column of its own is not indexed.
 */
const KEY_COLUMNS: Readonly<Record<string, SearchKeyColumn>> = {
  academic_email: 'academic_email',
  student_id_number: 'student_id_number',
};

/** The event row's search-key columns for a module's `searchKeys(data)`. */
export function searchKeyColumns(keys: SearchKeys): Pick<NewEventRow, SearchKeyColumn> {
  const columns: Pick<NewEventRow, SearchKeyColumn> = { academic_email: null, student_id_number: null };
  for (const [key, value] of Object.entries(keys)) {
    const column = KEY_COLUMNS[key];
    if (column && value !== undefined) columns[column] = value;
  }
  return columns;
}
