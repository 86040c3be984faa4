import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ModuleWithRecords } from './modules-with-records.js';
import type { MirrorRow, ModuleRecords, RecordDetail } from './zoho-module.js';

/**
 * What a record's page shows besides its events: its module's facts and related lists (`detail`, else its list
 * columns as facts), then the lists the other modules add for it (`relatedTo`).
 */
export async function describeRecord(
  db: Kysely<Database>,
  options: { of: ModuleWithRecords; row: MirrorRow; modules: readonly ModuleWithRecords[] },
): Promise<RecordDetail> {
  const { of, row } = options;
  const own: RecordDetail = of.records.detail
    ? await of.records.detail(db, row)
    : {
        facts: [
          { facts: of.records.columns.map((column) => ({ label: column.header, value: column.value(row) })) },
        ],
        related: [],
      };
  const others = await Promise.all(
    options.modules
      .filter((other) => other !== of && other.records.relatedTo)
      .map((other) => other.records.relatedTo?.(of.module.name, db, row.zoho_record_id) ?? []),
  );
  return { facts: own.facts, related: [...own.related, ...others.flat()] };
}

/** A record's name, as its list links it (`link` column), else its Zoho record id. */
export function recordName(records: ModuleRecords, row: MirrorRow): string {
  const value = records.columns.find((column) => column.link)?.value(row);
  return value === null || value === undefined || value === ''
    ? `Zoho record ${row.zoho_record_id}`
    : String(value);
}
