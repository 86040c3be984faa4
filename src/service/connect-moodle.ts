import type { Config } from '../config.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { MoodleClient } from '../moodle/create-moodle-client.js';
import { createMoodleFromConfig } from '../moodle/moodle-from-config.js';
import { createMoodleHealth, type MoodleHealth } from '../moodle/moodle-health.js';

/**
 * The Moodle client (undefined when MOODLE_URL or the token is empty) and its reachability: every call is counted
 * in the metrics, and a call that cannot reach Moodle marks it unreachable at once, before the next health check.
 */
export function connectMoodle(
  config: Config,
  options: { metrics: Metrics; onRecovered: () => void },
): { moodle: MoodleClient | undefined; moodleHealth: MoodleHealth } {
  const { metrics } = options;
  let onUnreachable = (_detail: string) => {};
  const moodle = createMoodleFromConfig(config, {
    onTransportError: (error) => onUnreachable(error.message),
    onCall: (call) => metrics.moodleCall(call.wsfunction, call.outcome, call.seconds, call.errorcode),
  });
  const moodleHealth = createMoodleHealth(moodle, {
    intervalMs: 60_000,
    downIntervalMs: 10_000,
    onRecovered: () => options.onRecovered(),
  });
  onUnreachable = (detail) => moodleHealth.noteUnreachable(detail);
  return { moodle, moodleHealth };
}
