import { describe, expect, it } from 'vitest';
import { createUpsertBatcher } from '../../src/modules/grades/upsert-batcher.js';

function recorder() {
  const calls: number[][] = [];
  const batcher = createUpsertBatcher<number, string>({
    call: async (records) => {
      calls.push(records);
      return records.map((n) => `ok ${n}`);
    },
    max: 100,
    lingerMs: 5,
  });
  return { calls, batcher };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('the grades upsert batcher', () => {
  it('fills calls of up to 100 with the records of batches sent at the same time, answering each its own', async () => {
    const { calls, batcher } = recorder();
    const answers = await Promise.all([
      batcher.send(range(0, 32)),
      batcher.send(range(100, 32)),
      batcher.send(range(200, 32)),
      batcher.send(range(300, 32)),
    ]);
    expect(calls.map((call) => call.length)).toEqual([100, 28]);
    expect(answers[0]).toEqual(range(0, 32).map((n) => `ok ${n}`));
    expect(answers[3]).toEqual(range(300, 32).map((n) => `ok ${n}`));
  });

  it('sends a lone batch after its linger, and more than 100 records of one caller in several calls', async () => {
    const { calls, batcher } = recorder();
    expect(await batcher.send([1, 2, 3])).toEqual(['ok 1', 'ok 2', 'ok 3']);
    const many = await batcher.send(range(0, 250));
    expect(many).toHaveLength(250);
    expect(many[249]).toBe('ok 249');
    expect(calls.map((call) => call.length)).toEqual([3, 100, 100, 50]);
  });

  it('fails every caller of a call that fails', async () => {
    const batcher = createUpsertBatcher<number, string>({
      call: async () => {
        throw new Error('Zoho is down');
      },
      max: 100,
      lingerMs: 5,
    });
    const results = await Promise.allSettled([batcher.send([1]), batcher.send([2])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
