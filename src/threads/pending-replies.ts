import type { Worker } from 'node:worker_threads';
import { rebuildThreadError, type ThreadResult } from './thread-error.js';

/** Requests sent to a thread that wait for its answer, by id. */
export class PendingReplies {
  #nextId = 1;
  readonly #waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  /** A new request: its id, to send, and the promise of its answer. */
  add<T>(): { id: number; answer: Promise<T> } {
    const id = this.#nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    return { id, answer };
  }

  /**
   * Posts the request `make` builds to `thread` and waits for its answer. Meanwhile the thread keeps the process
   * alive, which it never does otherwise (see whenThreadReady).
   */
  send<T>(thread: Worker, make: (id: number) => unknown): Promise<T> {
    const { id, answer } = this.add<T>();
    thread.ref();
    thread.postMessage(make(id));
    return answer;
  }

  /** Hands out the answers; once none is awaited, `thread` no longer keeps the process alive. */
  settle(results: readonly ThreadResult[], thread: Worker | undefined): void {
    for (const result of results) {
      const entry = this.#waiting.get(result.id);
      if (!entry) continue;
      this.#waiting.delete(result.id);
      if (result.ok) entry.resolve(result.value);
      else entry.reject(rebuildThreadError(result.error));
    }
    if (this.#waiting.size === 0) thread?.unref();
  }

  rejectAll(error: Error): void {
    for (const entry of this.#waiting.values()) entry.reject(error);
    this.#waiting.clear();
  }
}
