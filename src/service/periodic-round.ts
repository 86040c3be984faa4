import type { Logger } from 'pino';
import { coerceError } from '../errors.js';

/** A round of work a service runs every interval (Zoho sync, a Moodle poll), in one process at a time. */
export interface PeriodicRound<T> {
  start(): void;
  /** Asks the round under way to end at its next step, and stops the timer. */
  stop(): Promise<void>;
  /** Runs a round now, or joins the one under way: tests and the timer. */
  runOnce(): Promise<T>;
}

/**
 * Checks every minute (or every interval, when shorter) whether a round is due; the round itself decides, from
 * its lease and its last run time in the database, whether this process runs it.
 */
export function createPeriodicRound<T>(options: {
  intervalSeconds: number;
  run: (isStopping: () => boolean) => Promise<T>;
  logger: Logger;
  /** What the log says when a round throws. */
  failure: string;
}): PeriodicRound<T> {
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let running: Promise<T> | undefined;
  const checkEveryMs = Math.min(options.intervalSeconds * 1000, 60_000);
  const runOnce = () => {
    running ??= options
      .run(() => stopping)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const tick = async () => {
    try {
      await runOnce();
    } catch (error) {
      options.logger.error({ err: coerceError(error) }, options.failure);
    }
    if (!stopping) timer = setTimeout(tick, checkEveryMs).unref();
  };
  return {
    start() {
      if (options.intervalSeconds <= 0 || timer || stopping) return;
      timer = setTimeout(tick, checkEveryMs).unref();
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    runOnce,
  };
}
