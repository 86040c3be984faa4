import { createPeriodicRound, type PeriodicRound } from '../service/periodic-round.js';
import { type RoundOutcome, runSyncRound, type SyncRoundOptions } from './run-sync-round.js';

/** The background sync of a service: a round every ZOHO_SYNC_INTERVAL, in whichever process gets to it first. */
export type BackgroundSync = PeriodicRound<RoundOutcome>;

/** Several processes run one round per interval: the round's lease and last run time decide which. */
export function createBackgroundSync(options: Omit<SyncRoundOptions, 'isStopping'>): BackgroundSync {
  return createPeriodicRound({
    intervalSeconds: options.intervalSeconds,
    run: (isStopping) => runSyncRound({ ...options, isStopping }),
    logger: options.logger,
    failure: 'Zoho sync round failed',
  });
}
