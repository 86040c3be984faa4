import { coerceError } from '../errors.js';
import { type RoundOutcome, runSyncRound, type SyncRoundOptions } from './run-sync-round.js';

/** The background sync of a service: a round every ZOHO_SYNC_INTERVAL, in whichever process gets to it first. */
export interface BackgroundSync {
  start(): void;
  /** Ends the round under way at its next page and stops the timer. */
  stop(): Promise<void>;
  /** Runs a round now (if no process ran one within the interval): tests and the timer. */
  runOnce(): Promise<RoundOutcome>;
}

/**
 * Checks every minute (or every interval, when shorter) whether a round is due; the round's lease and its last
 * run time in the database decide which process runs it, so several processes run one round per interval.
 */
export function createBackgroundSync(options: Omit<SyncRoundOptions, 'isStopping'>): BackgroundSync {
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let running: Promise<RoundOutcome> | undefined;
  const checkEveryMs = Math.min(options.intervalSeconds * 1000, 60_000);
  const runOnce = () => {
    running ??= runSyncRound({ ...options, isStopping: () => stopping }).finally(() => {
      running = undefined;
    });
    return running;
  };
  const tick = async () => {
    try {
      await runOnce();
    } catch (error) {
      options.logger.error({ err: coerceError(error) }, 'Zoho sync round failed');
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
