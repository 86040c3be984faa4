import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/create-database.js';
import type { Metrics } from '../metrics/create-metrics.js';
import { registerZohoSyncMetrics } from '../metrics/zoho-sync-metrics.js';
import { fromMoodle, fromZoho, moduleSettings, type ZohoModule } from '../modules/index.js';
import { type BackgroundSync, createBackgroundSync } from '../sync/background-sync.js';
import { connectZoho } from '../sync/connect-zoho.js';
import { leaseOwner } from '../sync/lease-owner.js';
import { readSyncStatus, type ZohoSyncStatus } from '../sync/read-sync-status.js';
import { DEFAULT_SYNC_PACING, type SyncPacing } from '../sync/sync-pacing.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';

export interface OpenedZohoSync {
  /** Undefined without Zoho credentials or with ZOHO_SYNC_INTERVAL=0. */
  readonly background: BackgroundSync | undefined;
  readonly readStatus: () => Promise<ZohoSyncStatus>;
  /** Credits spent in the last 24 hours; undefined when Zoho is not connected. */
  readonly creditsLast24h: (() => Promise<number>) | undefined;
}

/**
 * The service's Zoho sync: its background rounds when Zoho is connected and ZOHO_SYNC_INTERVAL is not 0, and
 * its status for health, the dashboard and /metrics (which say "off" without Zoho: nothing pretends to sync).
 */
export async function openZohoSync(options: {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  /** Every module: those Zoho feeds are synced, those read from Moodle are reported with their polls. */
  modules: readonly ZohoModule[];
  /** Moodle is configured (a poll of Moodle needs it). */
  moodleConfigured: boolean;
  appender: EventAppender;
  metrics: Metrics;
  pacing?: SyncPacing | undefined;
}): Promise<OpenedZohoSync> {
  const { config, database } = options;
  const synced = fromZoho(options.modules);
  const logger = options.logger.child({ component: 'zoho-sync' });
  const zoho = await connectZoho({
    config,
    db: database.db,
    logger,
    onCall: (call) => options.metrics.zohoCall(call),
  });
  const intervalSeconds = config.zoho.syncIntervalSeconds;
  const readStatus = () =>
    readSyncStatus(database.db, {
      modules: synced,
      polled: fromMoodle(options.modules).map((module) => ({
        name: module.name,
        intervalSeconds: module.fromMoodle?.intervalSeconds(moduleSettings(config, module)) ?? 0,
        active: zoho !== undefined && options.moodleConfigured,
      })),
      connected: zoho !== undefined,
      intervalSeconds,
      dailyCreditBudget: config.zoho.dailyCreditBudget,
      creditsLast24h: zoho?.creditsLast24h,
    });
  registerZohoSyncMetrics(options.metrics.registry, readStatus);
  const background =
    zoho && intervalSeconds > 0
      ? createBackgroundSync({
          db: database.db,
          zoho: zoho.api,
          modules: synced,
          appender: options.appender,
          owner: leaseOwner('mzi serve'),
          intervalSeconds,
          dailyCreditBudget: config.zoho.dailyCreditBudget,
          creditsLast24h: zoho.creditsLast24h,
          maxFieldLength: config.webhook.maxFieldLength,
          pacing: options.pacing ?? DEFAULT_SYNC_PACING,
          logger,
        })
      : undefined;
  return { background, readStatus, creditsLast24h: zoho?.creditsLast24h };
}
