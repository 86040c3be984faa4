import { isWebhookAuthDisabled } from '../config.js';
import { webhookPath } from '../http/webhook-urls.js';
import type { ZohoModule } from '../modules/index.js';
import { fromZoho } from '../modules/index.js';
import { VERSION } from '../version.js';
import type { ServiceParts } from './service-parts.js';

/**
 * Starts the Moodle health checks, the worker (unless the role or WORKER_ENABLED leaves it out) and, with
 * `listen` and a role that serves HTTP, the HTTP server. Returns the listening address.
 */
export async function startService(
  parts: ServiceParts,
  options: { listen?: boolean } = {},
): Promise<string | undefined> {
  const { config, logger, database, worker, role } = parts;
  logStartNotices(parts);
  parts.moodleHealth.start();
  parts.zohoSync?.start();
  for (const poll of parts.moodlePolls) poll.start();
  if (parts.runsWorker) await worker.start();
  // A threaded worker listens on its own connection.
  if (parts.runsWorker && parts.listenForNewEvents) parts.stopListening = await parts.listenForNewEvents();
  if (options.listen === false || role === 'worker') {
    logger.info(
      { database: database.description, role },
      `mzi ${VERSION} worker started; database: ${database.description}`,
    );
    return undefined;
  }
  const address = await parts.app.listen({ port: config.port, host: config.host });
  const local = address.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost');
  logger.info(
    { address, database: database.description, role },
    `mzi ${VERSION} listening on ${address}; database: ${database.description}; ${webhookList(local, parts.modules)}`,
  );
  return address;
}

/** What an operator must know at start: authentication off, a new admin token, Moodle not configured. */
function logStartNotices(parts: Pick<ServiceParts, 'config' | 'logger' | 'admin' | 'moodle'>): void {
  const { logger, admin } = parts;
  if (isWebhookAuthDisabled(parts.config)) {
    logger.warn(
      'WEBHOOK AUTHENTICATION IS OFF: ZOHO_WEBHOOK_SECRET and ZOHO_WEBHOOK_TOKEN are empty, so anyone who can reach this port can post events. Use this for local testing only.',
    );
  }
  if (admin.generated) {
    // Shown once, and only on a terminal: logs never hold secrets, and an output that is not a terminal
    // (systemd's journal, a container's log, a redirected file) is a log that others may read.
    if (process.stdout.isTTY) {
      process.stdout.write(
        `\nAdmin token for the dashboard (/admin) and the admin API, created in ${admin.path}:\n\n    ${admin.token}\n\nShow it again with \`npx mzi admin-token\`; set ADMIN_TOKEN to choose your own.\n\n`,
      );
    } else {
      logger.warn(
        { path: admin.path },
        'An admin token for the dashboard (/admin) and the admin API was created; it is kept out of the logs. Show it with `npx mzi admin-token`, or set ADMIN_TOKEN to choose your own.',
      );
    }
  }
  if (!parts.moodle) {
    logger.info('Moodle is not configured (MOODLE_URL is empty): Zoho records are mirrored locally only.');
  }
}

/** The webhook URLs for the start-up line: `webhook: POST <url>`, or `webhooks: POST <url>, <url>`. */
function webhookList(base: string, modules: readonly ZohoModule[]): string {
  const urls = fromZoho(modules).map((module) => `${base}${webhookPath(module)}`);
  return `${urls.length === 1 ? 'webhook' : 'webhooks'}: POST ${urls.join(', ')}`;
}
