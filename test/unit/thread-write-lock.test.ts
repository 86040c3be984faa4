import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ThreadWriteLock } from '../../src/db/sqlite-dialect.js';
import { eventually } from '../helpers/eventually.js';

// A thread does not go through Vitest's TypeScript transform: it loads the compiled module (test/global-setup.ts
// builds dist/ from src/ before each run and each watch rerun).
const LOCK_MODULE = new URL('../../dist/db/sqlite-dialect.js', import.meta.url).href;

describe('ThreadWriteLock', () => {
  it('lets one holder in at a time and wakes a waiter when released', async () => {
    const lock = new ThreadWriteLock();
    const order: string[] = [];
    await lock.acquire();
    const second = lock.acquire().then(() => order.push('second'));
    // A fixed pause on purpose: proves the second holder does not get in while the first holds the lock.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    order.push('first released');
    lock.release();
    await second;
    expect(order).toEqual(['first released', 'second']);
    lock.release();
  });

  it('gives up at its deadline with SQLITE_BUSY, so a holder stuck behind another process holds up no one for longer', async () => {
    const held = new ThreadWriteLock();
    await held.acquire();
    const waiting = new ThreadWriteLock(held.buffer);
    // A deadline already near: the waiter must come back with an error instead of waiting for the release.
    const outcome = await Promise.race([
      waiting.acquire(performance.now() + 50).then(
        () => 'acquired',
        (error: { code?: string }) => error.code,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000)),
    ]);
    expect(outcome).toBe('SQLITE_BUSY');
    held.release();
    await waiting.acquire(performance.now() + 50);
    waiting.release();
  });

  it('is shared with another thread through its buffer', async () => {
    const lock = new ThreadWriteLock();
    // The other thread takes the lock, says so, and lets go only when told.
    const thread = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const state = new Int32Array(workerData);
       while (Atomics.compareExchange(state, 0, 0, 1) !== 0) Atomics.wait(state, 0, 1);
       parentPort.postMessage('held');
       parentPort.once('message', () => { Atomics.store(state, 0, 0); Atomics.notify(state, 0, 1); parentPort.postMessage('released'); });`,
      { eval: true, workerData: lock.buffer },
    );
    const messages: string[] = [];
    const next = () => new Promise<string>((resolve) => thread.once('message', resolve));
    messages.push(await next());
    let acquired = false;
    const acquiring = lock.acquire().then(() => {
      acquired = true;
    });
    // A fixed pause on purpose: proves this thread does not get in while the other thread holds the lock.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(acquired).toBe(false);
    const released = next();
    thread.postMessage('go');
    messages.push(await released);
    await acquiring;
    expect(acquired).toBe(true);
    expect(messages).toEqual(['held', 'released']);
    lock.release();
    await thread.terminate();
  });

  it('blocks a thread that may block (the log writer, the worker) until another thread releases it', async () => {
    const lock = new ThreadWriteLock();
    await lock.acquire();
    // The thread blocks in acquire(); its message arrives only once it holds the lock.
    const thread = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.module).then(async ({ ThreadWriteLock }) => {
         const lock = new ThreadWriteLock(workerData.buffer, { blocking: true });
         parentPort.postMessage('waiting');
         await lock.acquire();
         parentPort.postMessage('acquired');
         lock.release();
       });`,
      { eval: true, workerData: { buffer: lock.buffer, module: LOCK_MODULE } },
    );
    const messages: string[] = [];
    thread.on('message', (message: string) => messages.push(message));
    await eventually(() => messages.includes('waiting'), { what: 'the thread waiting for the lock' });
    // A fixed pause on purpose: proves the thread does not get the lock while this one holds it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toEqual(['waiting']);
    lock.release();
    await eventually(() => messages.includes('acquired'), { what: 'the thread holding the lock' });
    // Released by the thread: the lock is free for this one again.
    await lock.acquire();
    lock.release();
    await thread.terminate();
  });

  it('lets a holder with priority (intake) in before others that wait, and the others after it', async () => {
    const lock = new ThreadWriteLock();
    const intake = new ThreadWriteLock(lock.buffer, { priority: true });
    const order: string[] = [];
    await lock.acquire();
    // acquire() runs up to its first wait before it returns: the worker waits already, and intake overtakes a
    // waiter that came before it.
    const worker = lock.acquire().then(() => order.push('worker'));
    const first = intake.acquire().then(() => order.push('intake'));
    await eventually(() => intake.priorityWaiting(), { what: 'intake waiting with priority' });
    lock.release();
    await first;
    expect(order).toEqual(['intake']);
    expect(intake.priorityWaiting()).toBe(false);
    // A fixed pause on purpose: proves the worker does not get in while intake holds the lock.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['intake']);
    intake.release();
    await worker;
    expect(order).toEqual(['intake', 'worker']);
    lock.release();
  });

  it('is released for a thread that ended holding it, and waiters wake; not for a thread that does not hold it', async () => {
    const lock = new ThreadWriteLock();
    const thread = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.module).then(async ({ ThreadWriteLock }) => {
         await new ThreadWriteLock(workerData.buffer, { blocking: true }).acquire();
         parentPort.postMessage('held');
       });`,
      { eval: true, workerData: { buffer: lock.buffer, module: LOCK_MODULE } },
    );
    const id = thread.threadId;
    await new Promise((resolve) => thread.once('message', resolve));
    let acquired = false;
    const waiting = lock.acquire(performance.now() + 5000).then(() => {
      acquired = true;
    });
    await thread.terminate();
    // The thread is gone and its hold stays: nothing but releaseHeldBy frees the lock.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(acquired).toBe(false);
    expect(lock.releaseHeldBy(id + 1)).toBe(false);
    expect(lock.releaseHeldBy(id)).toBe(true);
    await waiting;
    expect(acquired).toBe(true);
    // Held by this thread now: the lost thread's id no longer releases it.
    expect(lock.releaseHeldBy(id)).toBe(false);
    lock.release();
  });
});
