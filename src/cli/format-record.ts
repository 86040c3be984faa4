import type { MirrorRow, ModuleRecords } from '../modules/zoho-module.js';

/** One line of `mzi <section> list`: the Zoho record id, then the list's columns, `-` for an empty one. */
export function formatRecordLine(records: ModuleRecords, row: MirrorRow): string {
  const cells = records.columns.map((column) => {
    const value = column.value(row);
    return value === null || value === undefined || value === '' ? '-' : String(value);
  });
  const deleted = row.deleted_at ? ' [deleted]' : '';
  return `${row.zoho_record_id}${deleted}  ${cells.join(' | ')}  (changed ${row.updated_at})`;
}
