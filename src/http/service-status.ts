import type { DialectName } from '../db/dialect-adapter.js';
import type { MoodleHealthState, MoodleHealthStatus } from '../moodle/moodle-health.js';
import type { WorkerStatus } from '../worker/event-worker.js';

/**
 * The service's live state as health and the dashboard show it (besides the database check and the queue);
 * no personal data. Its keys are part of the health JSON, in this order.
 */
export interface ServiceStatus {
  version: string;
  uptime_seconds: number;
  /** `description` says where the data lives: health shows it to the admin only. */
  database: { dialect: DialectName; description: string };
  worker: WorkerStatus | { status: 'disabled' };
  moodle: MoodleHealthStatus;
  moodle_detail: MoodleHealthState;
  webhook_auth: { mode: string; rejected: number };
}
