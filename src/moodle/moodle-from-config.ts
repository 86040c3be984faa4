import type { Config } from '../config.js';
import { createMoodleClient, type MoodleClient, type MoodleClientOptions } from './create-moodle-client.js';

/** The Moodle client, or undefined when Moodle is not configured (never a stand-in that pretends). */
export function createMoodleFromConfig(
  config: Config,
  hooks: Pick<MoodleClientOptions, 'onTransportError' | 'onCall'> = {},
): MoodleClient | undefined {
  if (!config.moodle.url || !config.moodle.token) return undefined;
  return createMoodleClient({
    url: config.moodle.url,
    token: config.moodle.token,
    timeoutMs: config.moodle.timeoutMs,
    maxConcurrency: config.moodle.concurrency,
    ...hooks,
  });
}
