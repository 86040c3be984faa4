import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { WriteBackValues, ZohoWriteBack } from '../zoho-module.js';

type Mirrors = Record<
  string,
  { zoho_record_id: string; deleted_at: string | null; [column: string]: unknown }
>;

export interface MirrorWriteBackOptions<S> {
  /** The module's mirror table. */
  table: string;
  /** Its column holding the Moodle id (a user, a category, a course). */
  column: string;
  /** The Zoho field that shows it. */
  field: (settings: S) => string;
  /** The setting that names the field, if one does. */
  setting?: string;
  /** Only rows whose column `where[0]` holds one of `where[1]` (e.g. a category mzi created or found). */
  where?: readonly [column: string, values: readonly string[]];
}

/**
 * A write-back of one Moodle id kept in a module's mirror: the id of each live record that has one, in the Zoho
 * field `field` names. A deleted record gets nothing: Zoho no longer has it.
 */
export function mirrorWriteBack<S>(options: MirrorWriteBackOptions<S>): ZohoWriteBack<S> {
  return {
    fields: (settings) => [options.field(settings)],
    ...(options.setting ? { setting: options.setting } : {}),
    async values(db: Kysely<Database>, recordIds, settings) {
      const values = new Map<string, WriteBackValues>();
      if (recordIds.length === 0) return values;
      let query = (db as unknown as Kysely<Mirrors>)
        .selectFrom(options.table)
        .select(['zoho_record_id', (eb) => eb.ref(options.column).as('moodle_id')])
        .where('zoho_record_id', 'in', [...recordIds])
        .where('deleted_at', 'is', null)
        .where(options.column, 'is not', null);
      if (options.where) query = query.where(options.where[0], 'in', [...options.where[1]]);
      const field = options.field(settings);
      for (const row of await query.execute()) {
        values.set(row.zoho_record_id, { [field]: String(row.moodle_id) });
      }
      return values;
    },
  };
}
