import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadWriteLock } from '../../src/db/sqlite-dialect.js';
import { createThreadProxy, type ThreadProxy } from '../../src/threads/create-thread-proxy.js';
import type { ThreadResult } from '../../src/threads/thread-error.js';
import { eventually } from '../helpers/eventually.js';

type Request =
  | { kind: 'echo'; id: number; value: unknown }
  | { kind: 'fail' | 'hang' | 'lock'; id: number }
  | { kind: 'note'; text: string }
  | { kind: 'crash' };
interface Report {
  kind: 'report';
  threadId: number;
  results: ThreadResult[];
  notes: string[];
}

const FIXTURE = new URL('../fixtures/threads/echo-thread.mjs', import.meta.url);
const LOCK_MODULE = new URL('../../dist/db/sqlite-dialect.js', import.meta.url).href;

let proxy: ThreadProxy<Request> | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** A proxy of the fixture thread, and what it saw. */
function startProxy(options: { restart?: () => boolean; writeLock?: SharedArrayBuffer } = {}) {
  const seen = { created: 0, reports: [] as Report[], lost: [] as string[], logs: [] as string[] };
  const writeLock = options.writeLock ?? new ThreadWriteLock().buffer;
  const logger = pino(
    { level: 'error' },
    { write: (line: string) => seen.logs.push(JSON.parse(line).msg as string) },
  );
  proxy = createThreadProxy<Request, Report>({
    name: 'the fixture thread',
    create: () => {
      seen.created += 1;
      return new Worker(FIXTURE, { workerData: { writeLock, lockModule: LOCK_MODULE } });
    },
    logger,
    writeLock,
    restartDelayMs: 20,
    onReport: (report) => seen.reports.push(report),
    onLost: (failure) => seen.lost.push(failure.message),
    shouldRestart: options.restart ?? (() => true),
  });
  return { proxy, seen };
}

describe('createThreadProxy', () => {
  it('answers requests from the reports, and hands each report over', async () => {
    const { proxy, seen } = startProxy();
    const thread = await proxy.ensure();
    expect(await proxy.ensure()).toBe(thread);
    proxy.post({ kind: 'note', text: 'first' });
    const answers = Promise.all([
      proxy.request((id) => ({ kind: 'echo', id, value: 'a' })),
      proxy.request((id) => ({ kind: 'echo', id, value: { b: 2 } })),
    ]);
    expect(await answers).toEqual(['a', { b: 2 }]);
    await expect(proxy.request((id) => ({ kind: 'fail', id }))).rejects.toMatchObject({
      message: 'refused',
      code: 'E_FIXTURE',
    });
    // Reports reach onReport whether they answer anything or not.
    expect(seen.reports.flatMap((report) => report.notes)).toEqual(['first']);
    expect(seen.reports.flatMap((report) => report.results.map((result) => result.ok))).toEqual([
      true,
      true,
      false,
    ]);
    const { id, answer } = proxy.expect<string>();
    proxy.post({ kind: 'echo', id, value: 'posted' });
    expect(await answer).toBe('posted');
  });

  it('rejects the requests that wait when its thread is lost, and starts a new one', async () => {
    const { proxy, seen } = startProxy();
    const first = await proxy.ensure();
    const hanging = proxy.request((id) => ({ kind: 'hang', id }));
    proxy.post({ kind: 'crash' });
    await expect(hanging).rejects.toThrow('The fixture thread stopped: fixture crash');
    expect(seen.lost).toEqual(['The fixture thread stopped: fixture crash']);
    expect(proxy.current()).toBeUndefined();
    await expect(proxy.request((id) => ({ kind: 'echo', id, value: 1 }))).rejects.toThrow(/not running/);

    const second = await eventually(() => proxy.current() ?? false, {
      what: 'a new fixture thread',
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    expect(second).not.toBe(first);
    expect(seen.created).toBe(2);
    expect(await proxy.request((id) => ({ kind: 'echo', id, value: 'again' }))).toBe('again');
  });

  it('starts no new thread when it is not to restart', async () => {
    const { proxy, seen } = startProxy({ restart: () => false });
    const first = await proxy.ensure();
    await first.terminate();
    expect(seen.lost).toHaveLength(1);
    // Proving that nothing happens needs a wait: many times the restart delay.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.created).toBe(1);
    expect(proxy.current()).toBeUndefined();
  });

  it('releases the write lock its lost thread held', async () => {
    const lock = new ThreadWriteLock();
    const { proxy, seen } = startProxy({ writeLock: lock.buffer });
    const thread = await proxy.ensure();
    expect(await proxy.request((id) => ({ kind: 'lock', id }))).toBe('held');
    await expect(lock.acquire(performance.now() + 50)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    await thread.terminate();
    await lock.acquire(performance.now() + 2000);
    lock.release();
    expect(seen.logs).toContain('the fixture thread ended holding the write lock; released it');
  });
});
