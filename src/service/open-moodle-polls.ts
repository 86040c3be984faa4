import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/create-database.js';
import {
  createCoursesOf,
  createHoldersOf,
  fromMoodle,
  moduleSettings,
  type ZohoModule,
} from '../modules/index.js';
import type { MoodleClient } from '../moodle/create-moodle-client.js';
import { type BackgroundPoll, createBackgroundPoll } from '../moodle-poll/background-poll.js';
import { leaseOwner } from '../sync/lease-owner.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';

/**
 * The background polls of the modules whose records come from Moodle (grades), each every its own interval.
 * None without Moodle, or without Zoho (what they read is sent to Zoho): nothing pretends to poll.
 */
export function openMoodlePolls(options: {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  modules: readonly ZohoModule[];
  moodle: MoodleClient | undefined;
  appender: EventAppender;
  creditsLast24h: (() => Promise<number>) | undefined;
}): BackgroundPoll[] {
  const { config, moodle, creditsLast24h } = options;
  if (!moodle || !creditsLast24h) return [];
  const logger = options.logger.child({ component: 'moodle-poll' });
  const coursesOf = createCoursesOf(options.modules, config);
  const holdersOf = createHoldersOf(options.modules);
  return fromMoodle(options.modules).flatMap((module) => {
    const settings = moduleSettings(config, module);
    const intervalSeconds = module.fromMoodle?.intervalSeconds(settings) ?? 0;
    if (intervalSeconds <= 0) return [];
    return [
      createBackgroundPoll({
        module,
        context: {
          db: options.database.db,
          moodle,
          appender: options.appender,
          settings,
          coursesOf,
          holdersOf,
          logger,
        },
        owner: leaseOwner('mzi serve'),
        intervalSeconds,
        dailyCreditBudget: config.zoho.dailyCreditBudget,
        creditsLast24h,
        logger,
      }),
    ];
  });
}
