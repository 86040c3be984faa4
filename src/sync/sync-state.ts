import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { withSyncTables, type ZohoSyncStateRow } from './zoho-sync-tables.js';

/** Events a committed page added, by kind. */
export interface AppendedCounts {
  inserted: number;
  updated: number;
  deleted: number;
}

/** The state row of a module (created empty on first use). */
export async function readSyncState(
  db: Kysely<Database>,
  module: string,
  now: Date,
): Promise<ZohoSyncStateRow> {
  const sdb = withSyncTables(db);
  await sdb
    .insertInto('zoho_sync_state')
    .values({
      module,
      pages: 0,
      inserted_total: 0,
      updated_total: 0,
      deleted_total: 0,
      updated_at: now.toISOString(),
    })
    .onConflict((oc) => oc.column('module').doNothing())
    .execute();
  return sdb.selectFrom('zoho_sync_state').selectAll().where('module', '=', module).executeTakeFirstOrThrow();
}

/** Every module's state row (rows whose name is no module, such as the background round's, included). */
export async function listSyncStates(db: Kysely<Database>): Promise<ZohoSyncStateRow[]> {
  return withSyncTables(db).selectFrom('zoho_sync_state').selectAll().orderBy('module').execute();
}

/**
 * Takes or renews the lease on a state row until `until`: true when this owner holds it now. An expired lease
 * (a process that died holding it) is taken over. One conditional UPDATE, atomic on SQLite and PostgreSQL.
 */
export async function acquireSyncLease(
  db: Kysely<Database>,
  options: { module: string; owner: string; now: Date; seconds: number },
): Promise<boolean> {
  const { module, owner, now } = options;
  await readSyncState(db, module, now);
  const result = await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set({ lease_owner: owner, lease_until: new Date(now.getTime() + options.seconds * 1000).toISOString() })
    .where('module', '=', module)
    .where((eb) =>
      eb.or([
        eb('lease_owner', 'is', null),
        eb('lease_owner', '=', owner),
        eb('lease_until', '<', now.toISOString()),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Takes over a lease from an owner that is known to be dead (see isDeadLocalOwner): true when taken. */
export async function takeOverSyncLease(
  db: Kysely<Database>,
  options: { module: string; owner: string; from: string; now: Date; seconds: number },
): Promise<boolean> {
  const result = await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set({
      lease_owner: options.owner,
      lease_until: new Date(options.now.getTime() + options.seconds * 1000).toISOString(),
    })
    .where('module', '=', options.module)
    .where('lease_owner', '=', options.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Lets go of a lease this owner holds. */
export async function releaseSyncLease(db: Kysely<Database>, module: string, owner: string): Promise<void> {
  await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set({ lease_owner: null, lease_until: null })
    .where('module', '=', module)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Marks a run as under way, reading from `since` (undefined: every record). */
export async function startSyncRun(
  db: Kysely<Database>,
  options: { module: string; since: string | undefined; now: Date },
): Promise<void> {
  await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set({
      run_started_at: options.now.toISOString(),
      run_since: options.since ?? null,
      page_token: null,
      last_record_id: null,
      pages: 0,
      updated_at: options.now.toISOString(),
    })
    .where('module', '=', options.module)
    .execute();
}

/**
 * Records a page whose events are committed: the cursor moves to its greatest Modified_Time (never back),
 * with the token of the next page and the counts of what it appended.
 */
export async function checkpointSyncPage(
  db: Kysely<Database>,
  options: {
    module: string;
    now: Date;
    cursor?: string | undefined;
    deletedCursor?: string | undefined;
    pageToken: string | undefined;
    lastRecordId: string | undefined;
    appended: AppendedCounts;
  },
): Promise<void> {
  const { appended } = options;
  await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set((eb) => ({
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      ...(options.deletedCursor === undefined ? {} : { deleted_cursor: options.deletedCursor }),
      page_token: options.pageToken ?? null,
      last_record_id: options.lastRecordId ?? null,
      pages: eb('pages', '+', 1),
      inserted_total: eb('inserted_total', '+', appended.inserted),
      updated_total: eb('updated_total', '+', appended.updated),
      deleted_total: eb('deleted_total', '+', appended.deleted),
      updated_at: options.now.toISOString(),
    }))
    .where('module', '=', options.module)
    .execute();
}

/** Ends a run: successful (the summary kept, the error cleared) or not (the error kept, the run resumable). */
export async function finishSyncRun(
  db: Kysely<Database>,
  options: { module: string; now: Date; summary: object; error: string | undefined },
): Promise<void> {
  const at = options.now.toISOString();
  await withSyncTables(db)
    .updateTable('zoho_sync_state')
    .set(
      options.error === undefined
        ? {
            run_started_at: null,
            page_token: null,
            last_success_at: at,
            last_summary: JSON.stringify(options.summary),
            last_error: null,
            last_error_at: null,
            updated_at: at,
          }
        : {
            last_summary: JSON.stringify(options.summary),
            last_error: options.error.slice(0, 1000),
            last_error_at: at,
            updated_at: at,
          },
    )
    .where('module', '=', options.module)
    .execute();
}
