import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import {
  findMirrorRows,
  findMirrorRowsByRef,
  searchMirrorRows,
  upsertMirrorRow,
} from '../shared/mirror-queries.js';
import type { RecordData } from '../zoho-module.js';
import type { ProgramRow } from './programs.table.js';

/** The program of this Zoho record id, if the mirror has it. */
export async function findProgram(db: Kysely<Database>, recordId: string): Promise<ProgramRow | undefined> {
  return (await findMirrorRows<ProgramRow>(db, 'programs', [recordId])).get(recordId);
}

/** Programs by Zoho record id, Moodle category id or exact Product_Name (any case). */
export function findProgramsByRef(db: Kysely<Database>, ref: string): Promise<ProgramRow[]> {
  return findMirrorRowsByRef<ProgramRow>(db, ref, {
    table: 'programs',
    anyCase: ['product_name'],
    moodleId: 'moodle_category_id',
  });
}

/** Programs whose name contains `q`, or whose record id is `q`; most recently changed first. */
export function searchPrograms(
  db: Kysely<Database>,
  options: { q?: string | undefined; limit: number },
): Promise<ProgramRow[]> {
  return searchMirrorRows<ProgramRow>(db, options, { table: 'programs', contains: ['product_name'] });
}

export interface UpsertProgramInput {
  recordId: string;
  data: RecordData;
  eventId: string;
  now: string;
  /** Set on delete, cleared otherwise (a record restored from Zoho's recycle bin is live again). */
  deletedAt: string | null;
  /** The category resolved, when Moodle was asked; absent keeps the stored link. */
  link?: { categoryId: number; source: string } | undefined;
}

/** Writes a program into the mirror: the fields the delivery carries, the link when resolved. */
export async function upsertProgram(trx: Kysely<Database>, input: UpsertProgramInput): Promise<void> {
  const columns: Partial<Record<'product_name' | 'moodle_id' | 'zoho_modified_time', string | null>> = {};
  if (input.data.Product_Name !== undefined) columns.product_name = input.data.Product_Name;
  if (input.data.MoodleID !== undefined) columns.moodle_id = input.data.MoodleID;
  if (input.data.Modified_Time !== undefined) columns.zoho_modified_time = input.data.Modified_Time;
  const link = input.link
    ? { moodle_category_id: input.link.categoryId, category_source: input.link.source }
    : {};
  await upsertMirrorRow(trx, 'programs', input, { ...columns, ...link });
}
