import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import type { KnownState, UnfinishedEvents } from './plan-sync-changes.js';

/** Ids per query: well under SQLite's and PostgreSQL's bound on parameters, and a page is 200 records. */
const CHUNK = 500;

/**
 * What the module's mirror and the event log hold of these records and change keys: the mirror's versions,
 * the events the worker has not finished, and which of the keys the log already holds.
 */
export async function loadKnownState(
  db: Kysely<Database>,
  module: ZohoModule,
  recordIds: readonly string[],
  keys: readonly string[],
): Promise<KnownState> {
  const mirror = new Map<string, { live: boolean; modifiedTime: string | null }>();
  const unfinished = new Map<string, UnfinishedEvents>();
  const appendedKeys = new Set<string>();
  for (let i = 0; i < Math.max(recordIds.length, keys.length); i += CHUNK) {
    const ids = recordIds.slice(i, i + CHUNK);
    const versions = module.mirrorVersions
      ? await module.mirrorVersions(db, ids)
      : new Map(
          [...(await module.knownRecords(db, ids))].map(([id, live]) => [id, { live, modifiedTime: null }]),
        );
    for (const [id, version] of versions) mirror.set(id, version);
    for (const [id, events] of await unfinishedEvents(db, module.zohoApiName, ids))
      unfinished.set(id, events);
    for (const key of await heldKeys(db, module.zohoApiName, keys.slice(i, i + CHUNK))) appendedKeys.add(key);
  }
  return { mirror, unfinished, appendedKeys };
}

/** Of these records, what their pending and processing events say (their operation and Modified_Time). */
async function unfinishedEvents(
  db: Kysely<Database>,
  module: string,
  recordIds: readonly string[],
): Promise<Map<string, UnfinishedEvents>> {
  const out = new Map<string, UnfinishedEvents>();
  if (recordIds.length === 0) return out;
  const rows = await db
    .selectFrom('integration_events_log')
    .select(['record_id', 'event_type', 'payload'])
    .where('module', '=', module)
    .where('record_id', 'in', [...recordIds])
    .where('status', 'in', ['pending', 'processing'])
    .execute();
  for (const row of rows) {
    const held = out.get(row.record_id) ?? {
      latestModifiedTime: undefined,
      deletePending: false,
      changePending: false,
    };
    const modified = modifiedTimeOf(row.payload);
    out.set(row.record_id, {
      latestModifiedTime:
        modified && (!held.latestModifiedTime || Date.parse(modified) > Date.parse(held.latestModifiedTime))
          ? modified
          : held.latestModifiedTime,
      deletePending: held.deletePending || row.event_type === 'delete',
      changePending: held.changePending || row.event_type === 'insert' || row.event_type === 'update',
    });
  }
  return out;
}

/** The Modified_Time in an event's payload data, if it has one. */
function modifiedTimeOf(payload: string): string | undefined {
  try {
    const value = (JSON.parse(payload) as { data?: Record<string, unknown> }).data?.Modified_Time;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Of these dedup keys, the ones an accepted event of the module holds. */
async function heldKeys(db: Kysely<Database>, module: string, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom('integration_events_log')
    .select('dedup_key')
    .where('module', '=', module)
    .where('dedup_key', 'in', [...keys])
    .where('status', '!=', 'duplicate')
    .execute();
  return rows.flatMap((row) => (row.dedup_key === null ? [] : [row.dedup_key]));
}
