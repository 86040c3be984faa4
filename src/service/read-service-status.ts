import type { Config } from '../config.js';
import type { ServiceStatus } from '../http/service-status.js';
import { VERSION } from '../version.js';
import type { ServiceParts } from './service-parts.js';

/** What the service counts while it runs, for its status. */
export interface ServiceCounters {
  readonly startedAt: number;
  /** Webhook deliveries refused for failed authentication. */
  authRejected: number;
}

/** The service's status, as `GET /api/v1/events/health` and the dashboard report it. */
export function readServiceStatus(
  parts: Pick<ServiceParts, 'config' | 'database' | 'worker' | 'runsWorker' | 'moodleHealth'>,
  counters: ServiceCounters,
): ServiceStatus {
  const { database, moodleHealth } = parts;
  return {
    version: VERSION,
    uptime_seconds: Math.round((Date.now() - counters.startedAt) / 1000),
    database: { dialect: database.adapter.name, description: database.description },
    worker: parts.runsWorker ? parts.worker.state() : { status: 'disabled' },
    moodle: moodleHealth.state().status,
    moodle_detail: moodleHealth.state(),
    webhook_auth: { mode: webhookAuthMode(parts.config) || 'disabled', rejected: counters.authRejected },
  };
}

/** The webhook authentication methods configured: `hmac`, `token`, `hmac+token`, or '' for none. */
function webhookAuthMode(config: Config): string {
  return [
    config.webhook.secrets.length > 0 ? 'hmac' : undefined,
    config.webhook.tokens.length > 0 ? 'token' : undefined,
  ]
    .filter(Boolean)
    .join('+');
}
