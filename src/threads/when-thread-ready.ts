import type { Worker } from 'node:worker_threads';
import { coerceError } from '../errors.js';

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
