import type { MirrorVersion } from '../modules/zoho-module.js';
import type { ZohoDeletedRecord, ZohoRecord } from '../zoho/zoho-api.js';
import { recordVersion, type SyncChange } from './sync-delivery.js';

/** What the event log holds of a record that the worker has not finished (pending or processing events). */
export interface UnfinishedEvents {
  /** The latest Modified_Time their data carries, if any. */
  readonly latestModifiedTime: string | undefined;
  readonly deletePending: boolean;
  /** An insert or update is waiting (a delete listed since must still be appended after it). */
  readonly changePending: boolean;
}

/** What the mirror and the log hold of a page's records, read before planning. */
export interface KnownState {
  readonly mirror: ReadonlyMap<string, MirrorVersion>;
  readonly unfinished: ReadonlyMap<string, UnfinishedEvents>;
  /** Dedup keys of sync changes the log already holds (see syncDedupKey). */
  readonly appendedKeys: ReadonlySet<string>;
}

export interface SyncPlan {
  readonly changes: SyncChange[];
  readonly unchanged: number;
  /** Differences the log already holds an event for (appended by an earlier sync, or a webhook not yet processed). */
  readonly queued: number;
}

/** What one listed record or deleted entry comes to: nothing, an event the log already holds, or a change. */
type Decision = 'unchanged' | 'queued' | SyncChange;

/** Counts the decisions of a page: its changes in order, and how many came to nothing or were queued. */
function tally<T>(items: readonly T[], decide: (item: T) => Decision): SyncPlan {
  const changes: SyncChange[] = [];
  let unchanged = 0;
  let queued = 0;
  for (const item of items) {
    const decision = decide(item);
    if (decision === 'unchanged') unchanged += 1;
    else if (decision === 'queued') queued += 1;
    else changes.push(decision);
  }
  return { changes, unchanged, queued };
}

/**
 * The changes a page of Zoho records makes to the mirror: a record the mirror lacks (or holds as deleted) is an
 * insert, one whose Modified_Time is newer than the mirror's an update, an equal or older one nothing. A
 * difference whose event the log already holds is counted as queued instead.
 */
export function planRecordChanges(
  records: readonly ZohoRecord[],
  known: KnownState,
  keyOf: (change: Omit<SyncChange, 'record'>) => string,
): SyncPlan {
  return tally(records, (record) => {
    const version = recordVersion(record);
    const mirrored = known.mirror.get(record.id);
    let operation: SyncChange['operation'];
    if (!mirrored?.live) operation = 'insert';
    else if (isNewer(version, mirrored.modifiedTime)) operation = 'update';
    else return 'unchanged';
    const change = { operation, recordId: record.id, version };
    const pending = known.unfinished.get(record.id);
    const held =
      known.appendedKeys.has(keyOf(change)) ||
      (pending && !pending.deletePending && !isNewer(version, pending.latestModifiedTime ?? null));
    return held ? 'queued' : { ...change, record };
  });
}

/**
 * The deletes a page of Zoho's deleted records makes: a record the mirror holds as live, or one whose insert or
 * update still waits in the log (it would be created after Zoho deleted it), gets a delete; any other record
 * nothing.
 */
export function planDeletions(
  deleted: readonly ZohoDeletedRecord[],
  known: KnownState,
  keyOf: (change: Omit<SyncChange, 'record'>) => string,
): SyncPlan {
  return tally(deleted, (entry) => {
    const pending = known.unfinished.get(entry.id);
    if (!known.mirror.get(entry.id)?.live && !pending?.changePending) return 'unchanged';
    const change = { operation: 'delete' as const, recordId: entry.id, version: entry.deletedTime };
    if (known.appendedKeys.has(keyOf(change)) || pending?.deletePending) return 'queued';
    return { ...change, record: undefined };
  });
}

/**
 * Whether Zoho's version is newer than the one held: a held version that is missing, or either that is no
 * time (a hash of the fields), counts as older unless both are the same text.
 */
export function isNewer(version: string, held: string | null): boolean {
  if (held === null) return true;
  if (version === held) return false;
  const a = Date.parse(version);
  const b = Date.parse(held);
  if (!(Number.isFinite(a) && Number.isFinite(b))) return true;
  return a > b;
}
