import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { ThreadWriteLock } from './db/sqlite-dialect.js';
import { coerceError } from './errors.js';

/**
 * Creates a thread running the module `name` next to the module `from` (its import.meta.url): the compiled
 * module, or, from the TypeScript sources (`npm run dev`), the source through tsx, which is slower to start.
 * `entry` overrides both: the tests pass the compiled module in dist/, which their setup builds first.
 */
export function createModuleThread(from: string, name: string, options: WorkerOptions, entry?: URL): Worker {
  if (entry) return new Worker(entry, options);
  if (from.endsWith('.js')) return new Worker(new URL(`./${name}.js`, from), options);
  const source = new URL(`./${name}.ts`, from).href;
  return new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(from)}))`,
    { ...options, eval: true },
  );
}

/**
 * Starts a thread with `create` and waits until it says `{ kind: 'ready' }` (it has opened what it needs), then
 * hands its messages to `onMessage` and reports its end (an error, or an exit) once to `onLost`. The thread does
 * not keep the process alive.
 *
 * A thread that cannot be created rejects the promise like one that fails while starting: `new Worker` throws
 * at once (ERR_WORKER_INIT_FAILED) when the system refuses a new thread, and called from a timer that throw
 * would end the process.
 */
export function whenThreadReady<M extends { kind: string }>(
  create: () => Worker,
  onMessage: (message: M) => void,
  onLost: (thread: Worker, error: Error) => void,
): Promise<Worker> {
  let thread: Worker;
  try {
    thread = create();
  } catch (error) {
    return Promise.reject(
      new Error(`The thread could not start: ${coerceError(error).message}`, { cause: error }),
    );
  }
  return new Promise<Worker>((resolve, reject) => {
    const starting = (message: M) => {
      if (message.kind !== 'ready') return;
      thread.off('message', starting);
      thread.off('error', failed);
      thread.off('exit', exited);
      thread.on('message', onMessage);
      thread.on('error', (error) => onLost(thread, error));
      thread.on('exit', (code) => onLost(thread, new Error(`exit code ${code}`)));
      thread.unref();
      resolve(thread);
    };
    const failed = (error: Error) => {
      void thread.terminate();
      reject(new Error(`The thread could not start: ${error.message}`, { cause: error }));
    };
    const exited = (code: number) => reject(new Error(`The thread exited while starting (code ${code}).`));
    thread.on('message', starting);
    thread.on('error', failed);
    thread.on('exit', exited);
  });
}

/**
 * Releases `writeLock` when `thread` ends should it still hold it (see ThreadWriteLock.releaseHeldBy), and then
 * calls `onReleased`: a thread that died mid-transaction would otherwise leave every other connection of the
 * process waiting for the lock for good. Call it right after creating the thread: its threadId reads -1 once it
 * has ended.
 */
export function releaseWriteLockOnExit(
  thread: Worker,
  writeLock: ThreadWriteLock,
  onReleased: () => void,
): void {
  const id = thread.threadId;
  thread.once('exit', () => {
    if (writeLock.releaseHeldBy(id)) onReleased();
  });
}

/**
 * A small young generation: with V8's default, a thread's lazily collected garbage added 26–38 MB to the peak
 * RSS of a 20,000-delivery burst (measured on the log writer), at no measured gain in throughput.
 */
export const YOUNG_GENERATION_MB = 4;

/** An error as it crosses a thread boundary: its kind and message, never the values of a statement. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string | undefined;
}

export type ThreadResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ThreadError };

export function describeThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
}

export function rebuildThreadError(error: ThreadError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}

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
