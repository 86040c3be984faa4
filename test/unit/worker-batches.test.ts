import { describe, expect, it } from 'vitest';
import { nextOutageWait, shouldWriteAgain } from '../../src/worker/outage-rewrite.js';
import { groupByModule } from '../../src/worker/process-batch.js';
import { retentionCutoff } from '../../src/worker/retention.js';
import { writeChunk } from '../../src/worker/write-chunk.js';

describe('writeChunk', () => {
  const double = async (n: number) => n * 2;

  it('writes every item from the start when nothing asks it to stop', async () => {
    expect(await writeChunk([1, 2, 3], 0, double, () => false)).toEqual([
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
  });

  it('starts at the first item not yet written', async () => {
    expect(await writeChunk([1, 2, 3], 2, double, () => false)).toEqual([[3, 6]]);
  });

  it('writes one item even when intake already waits, so that every chunk makes progress', async () => {
    expect(await writeChunk([1, 2, 3], 0, double, () => true)).toEqual([[1, 2]]);
  });

  it('stops after the write during which intake began to wait', async () => {
    let writes = 0;
    const chunk = await writeChunk(
      [1, 2, 3, 4],
      0,
      async (n) => {
        writes += 1;
        return n;
      },
      () => writes >= 2,
    );
    expect(chunk.map(([item]) => item)).toEqual([1, 2]);
  });
});

describe('shouldWriteAgain', () => {
  const away = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
  const base = { error: away, stopping: false, nowMs: 1000, waitMs: 250, deadlineMs: 2000 };

  it('writes again while the database is away and the wait ends before the deadline', () => {
    expect(shouldWriteAgain(base)).toBe(true);
    expect(shouldWriteAgain({ ...base, nowMs: 1750 })).toBe(true);
  });

  it('gives up when the wait would pass the deadline', () => {
    expect(shouldWriteAgain({ ...base, nowMs: 1751 })).toBe(false);
  });

  it('does not write again while the worker stops', () => {
    expect(shouldWriteAgain({ ...base, stopping: true })).toBe(false);
  });

  it('does not write again when the database refuses the data itself', () => {
    const refused = Object.assign(new Error('value too long'), { code: '22001' });
    expect(shouldWriteAgain({ ...base, error: refused })).toBe(false);
  });

  it('doubles the wait up to five seconds', () => {
    const waits = [250];
    for (let i = 0; i < 6; i += 1) waits.push(nextOutageWait(waits.at(-1) as number));
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });
});

describe('retentionCutoff', () => {
  const day = 86_400_000;
  const nowMs = Date.parse('2030-01-10T00:00:00.000Z');

  it('purges what is older than the retention days', () => {
    expect(retentionCutoff({ retentionDays: 7, nowMs, lastRunMs: 0 })).toEqual(new Date(nowMs - 7 * day));
  });

  it('keeps everything when retention is off', () => {
    expect(retentionCutoff({ retentionDays: 0, nowMs, lastRunMs: 0 })).toBeUndefined();
  });

  it('runs at most every ten minutes', () => {
    expect(retentionCutoff({ retentionDays: 7, nowMs, lastRunMs: nowMs - 599_999 })).toBeUndefined();
    expect(retentionCutoff({ retentionDays: 7, nowMs, lastRunMs: nowMs - 600_000 })).toBeDefined();
  });
});

describe('groupByModule', () => {
  it('groups the events of a batch by module, each group in arrival order', () => {
    const events = [
      { id: 1, module: 'students' },
      { id: 2, module: 'classes' },
      { id: 3, module: 'students' },
    ];
    expect([...groupByModule(events)].map(([module, group]) => [module, group.map((e) => e.id)])).toEqual([
      ['students', [1, 3]],
      ['classes', [2]],
    ]);
  });
});
