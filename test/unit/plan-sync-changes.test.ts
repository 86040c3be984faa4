import { describe, expect, it } from 'vitest';
import type { MirrorVersion } from '../../src/modules/zoho-module.js';
import {
  isNewer,
  type KnownState,
  planDeletions,
  planRecordChanges,
  type UnfinishedEvents,
} from '../../src/sync/plan-sync-changes.js';
import { syncDedupKey, syncDelivery } from '../../src/sync/sync-delivery.js';
import { zohoTimeBefore } from '../../src/sync/zoho-time.js';

const module = {
  name: 'class',
  zohoApiName: 'BTEC',
  fields: [
    { apiName: 'Name', label: 'Name', personal: false, maxLength: 255 },
    { apiName: 'Teacher', label: 'Teacher', personal: false, maxLength: 32, lookup: true },
    { apiName: 'Modified_Time', label: 'Modified Time', personal: false, maxLength: 64 },
  ],
};
const keyOf = (change: Parameters<typeof syncDedupKey>[1]) => syncDedupKey(module, change);
const T1 = '2026-12-01T10:00:00+00:00';
const T2 = '2026-12-01T11:00:00+00:00';

function known(
  mirror: Record<string, MirrorVersion> = {},
  unfinished: Record<string, UnfinishedEvents> = {},
  keys: string[] = [],
): KnownState {
  return {
    mirror: new Map(Object.entries(mirror)),
    unfinished: new Map(Object.entries(unfinished)),
    appendedKeys: new Set(keys),
  };
}

describe('planRecordChanges', () => {
  const records = [
    { id: '1', Name: 'A', Modified_Time: T2 },
    { id: '2', Name: 'B', Modified_Time: T2 },
    { id: '3', Name: 'C', Modified_Time: T2 },
    { id: '4', Name: 'D', Modified_Time: T2 },
  ];

  it('inserts unknown and deleted records, updates newer ones, leaves equal and older ones', () => {
    const plan = planRecordChanges(
      records,
      known({
        '2': { live: true, modifiedTime: T1 },
        '3': { live: true, modifiedTime: T2 },
        '4': { live: false, modifiedTime: T1 },
      }),
      keyOf,
    );
    expect(plan.changes.map((c) => [c.recordId, c.operation])).toEqual([
      ['1', 'insert'],
      ['2', 'update'],
      ['4', 'insert'],
    ]);
    expect(plan).toMatchObject({ unchanged: 1, queued: 0 });
  });

  it('counts a difference as queued when the log holds its key or a pending event of the same version', () => {
    const plan = planRecordChanges(
      records.slice(0, 3),
      known(
        { '3': { live: true, modifiedTime: T1 } },
        {
          '2': { latestModifiedTime: T2, deletePending: false, changePending: true },
          '3': { latestModifiedTime: T1, deletePending: false, changePending: true },
        },
        [keyOf({ operation: 'insert', recordId: '1', version: T2 })],
      ),
      keyOf,
    );
    expect(plan.changes.map((c) => c.recordId)).toEqual(['3']);
    expect(plan.queued).toBe(2);
  });
});

describe('planDeletions', () => {
  it('deletes live records and records with a pending change, nothing else', () => {
    const deleted = ['1', '2', '3', '4'].map((id) => ({ id, deletedTime: T2, type: 'recycle' }));
    const plan = planDeletions(
      deleted,
      known(
        { '1': { live: true, modifiedTime: T1 }, '2': { live: false, modifiedTime: T1 } },
        { '3': { latestModifiedTime: T1, deletePending: false, changePending: true } },
      ),
      keyOf,
    );
    expect(plan.changes.map((c) => [c.recordId, c.operation])).toEqual([
      ['1', 'delete'],
      ['3', 'delete'],
    ]);
    expect(plan.unchanged).toBe(2);
  });

  it('counts a delete already pending or appended as queued', () => {
    const deleted = [
      { id: '1', deletedTime: T2, type: 'recycle' },
      { id: '2', deletedTime: T2, type: 'permanent' },
    ];
    const plan = planDeletions(
      deleted,
      known(
        { '1': { live: true, modifiedTime: T1 }, '2': { live: true, modifiedTime: T1 } },
        { '1': { latestModifiedTime: undefined, deletePending: true, changePending: false } },
        [keyOf({ operation: 'delete', recordId: '2', version: T2 })],
      ),
      keyOf,
    );
    expect(plan).toMatchObject({ changes: [], queued: 2 });
  });
});

describe('syncDelivery', () => {
  it('reads a listed record as intake reads a webhook: lookups as ids, unknown fields dropped', () => {
    const delivery = syncDelivery({
      module,
      change: {
        operation: 'update',
        recordId: '77',
        version: T2,
        record: {
          id: '77',
          Name: ' Maths ',
          Teacher: { id: '555', name: 'Ms X' },
          Owner: { id: '1' },
          Modified_Time: T2,
        },
      },
      maxFieldLength: 100,
    });
    expect(delivery.source).toBe('sync');
    expect(delivery.normalized).toMatchObject({
      module: 'BTEC',
      recordId: '77',
      operation: 'update',
      operationSource: 'sync',
      data: { Name: 'Maths', Teacher: '555', Modified_Time: T2 },
      deliveryId: `sync:class:77:${T2}`,
    });
  });

  it('refuses a record with a field longer than intake accepts', () => {
    expect(() =>
      syncDelivery({
        module,
        change: {
          operation: 'insert',
          recordId: '1',
          version: T1,
          record: { id: '1', Name: 'x'.repeat(101) },
        },
        maxFieldLength: 100,
      }),
    ).toThrow(/MAX_FIELD_LENGTH/);
  });
});

describe('Zoho times', () => {
  it('compares versions as times, and reads back a minute as Zoho takes it', () => {
    expect(isNewer(T2, T1)).toBe(true);
    expect(isNewer(T1, T2)).toBe(false);
    expect(isNewer('2026-12-01T16:30:00+05:30', T2)).toBe(false);
    expect(isNewer(T1, null)).toBe(true);
    expect(zohoTimeBefore('2026-12-01T16:30:00+05:30', 60)).toBe('2026-12-01T10:59:00+00:00');
  });
});
