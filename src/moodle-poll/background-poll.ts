import { createPeriodicRound, type PeriodicRound } from '../service/periodic-round.js';
import { type PollRoundOptions, type PollRoundOutcome, runPollRound } from './run-poll-round.js';

/** The background poll of a module whose records come from Moodle (MOODLE_GRADE_POLL_INTERVAL for grades). */
export type BackgroundPoll = PeriodicRound<PollRoundOutcome>;

/** Several processes run one poll per interval: the poll's lease and last run time decide which. */
export function createBackgroundPoll<S>(options: Omit<PollRoundOptions<S>, 'isStopping'>): BackgroundPoll {
  return createPeriodicRound({
    intervalSeconds: options.intervalSeconds,
    run: (isStopping) => runPollRound({ ...options, isStopping }),
    logger: options.logger,
    failure: 'Moodle poll failed',
  });
}
