import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import type { EventAppender } from '../webhooks/create-event-appender.js';
import type { ZohoApi } from '../zoho/zoho-api.js';
import type { SyncStopReason, SyncSummary } from './sync-summary.js';

/** What may pause a background run between pages, or stop it (budget reached, a backlog that does not drain). */
export type BeforePage = () => Promise<{ reason: SyncStopReason; message: string } | undefined>;

/** Everything one sync of a module works with, shared by the steps of the run. */
export interface SyncRun {
  readonly db: Kysely<Database>;
  readonly zoho: ZohoApi;
  readonly module: ZohoModule;
  readonly appender: Pick<EventAppender, 'appendAll'>;
  readonly owner: string;
  readonly dryRun: boolean;
  readonly maxFieldLength: number;
  readonly perPage: number;
  readonly leaseSeconds: number;
  readonly now: () => Date;
  readonly beforePage: BeforePage | undefined;
  readonly onProgress: ((summary: Readonly<SyncSummary>) => void) | undefined;
  readonly logger: Logger | undefined;
  readonly summary: SyncSummary;
  /** The greatest Modified_Time committed so far (the state's cursor, moved by each page). */
  cursor: string | undefined;
}
