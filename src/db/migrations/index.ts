import type { Migration } from 'kysely';
import * as initial from './2026-11-28-0001-initial.js';
import * as eventCounts from './2026-11-28-0002-event-counts.js';
import * as requestDetails from './2026-11-28-0003-request-details.js';
import * as dedupIndex from './2026-11-28-0004-dedup-index.js';
import * as leanerIndexes from './2026-11-28-0005-leaner-indexes.js';
import * as pendingIndex from './2026-12-02-0006-pending-index.js';
import * as adminSessions from './2026-12-07-0008-admin-sessions.js';
import * as genericSearchKeys from './2026-12-07-0009-generic-search-keys.js';
import * as dependencyWaits from './2026-12-07-0010-dependency-waits.js';
import * as deliveryId from './2026-12-07-0015-delivery-id.js';
import * as zohoConnection from './2026-12-07-0016-zoho-connection.js';
import * as zohoTokensAndUsage from './2026-12-07-0017-zoho-tokens-and-usage.js';
import * as zohoFetchAndWriteBack from './2026-12-07-0018-zoho-fetch-and-write-back.js';
import * as zohoSync from './2026-12-07-0019-zoho-sync.js';

/**
 * The core migrations (event log, counts, admin sessions); each module brings its own (`ZohoModule.migrations`),
 * and the migrator applies both in the order of their names. Bundled statically so the compiled service and the CLI need no
 * migration folder at run time.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-28-0001-initial': initial,
  '2026-11-28-0002-event-counts': eventCounts,
  '2026-11-28-0003-request-details': requestDetails,
  '2026-11-28-0004-dedup-index': dedupIndex,
  '2026-11-28-0005-leaner-indexes': leanerIndexes,
  '2026-12-02-0006-pending-index': pendingIndex,
  '2026-12-07-0008-admin-sessions': adminSessions,
  '2026-12-07-0009-generic-search-keys': genericSearchKeys,
  '2026-12-07-0010-dependency-waits': dependencyWaits,
  '2026-12-07-0015-delivery-id': deliveryId,
  '2026-12-07-0016-zoho-connection': zohoConnection,
  '2026-12-07-0017-zoho-tokens-and-usage': zohoTokensAndUsage,
  '2026-12-07-0018-zoho-fetch-and-write-back': zohoFetchAndWriteBack,
  '2026-12-07-0019-zoho-sync': zohoSync,
};
