import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { ModuleWithRecords } from '../../modules/modules-with-records.js';
import type { MirrorRow } from '../../modules/zoho-module.js';

/** The best match of a record reference in a module's mirror, or a 404 naming the module and the reference. */
export async function findRecordOrThrow(
  db: Kysely<Database>,
  { module, records }: ModuleWithRecords,
  ref: string,
): Promise<MirrorRow> {
  const [row] = await records.find(db, ref);
  if (!row)
    throw new AppError(
      `${module.name}_not_found`,
      `No ${module.name} matches "${ref.slice(0, 80)}": give its ${records.findHelp}.`,
      { status: 404 },
    );
  return row;
}
