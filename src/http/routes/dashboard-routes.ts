import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DoctorCheck } from '../../admin/run-doctor.js';
import type { Config } from '../../config.js';
import type { Database } from '../../db/schema.js';
import type { ZohoModule } from '../../modules/zoho-module.js';
import type { ZohoSyncStatus } from '../../sync/read-sync-status.js';
import type { AdminAuth } from '../admin-auth.js';
import type { AuthFailureLimiter } from '../auth-failure-limiter.js';
import { checkOrigin } from '../check-origin.js';
import { refuseNulCharacters } from '../refuse-nul-characters.js';
import type { ServiceStatus } from '../service-status.js';
import { assetRoutes } from './dashboard/asset-routes.js';
import { eventDetailRoutes } from './dashboard/event-detail-routes.js';
import { eventsRoutes } from './dashboard/events-routes.js';
import { overviewRoutes } from './dashboard/overview-routes.js';
import { recordsRoutes } from './dashboard/records-routes.js';
import { setupRoutes } from './dashboard/setup-routes.js';
import { signInRoutes } from './dashboard/sign-in-routes.js';
import { zohoCallbackRoutes } from './dashboard/zoho-callback-routes.js';
import { zohoRoutes } from './dashboard/zoho-routes.js';

export interface DashboardRoutesOptions {
  config: Config;
  db: Kysely<Database>;
  auth: AdminAuth;
  /** Wrong tokens per client address, shared with the admin API and /metrics. */
  limiter: AuthFailureLimiter;
  /** Worker, Moodle, authentication and database state, as health reports it. */
  readStatus: () => ServiceStatus;
  /** The configuration check of the Setup page (`mzi doctor`, using the running service's connections). */
  doctor: () => Promise<DoctorCheck[]>;
  /** The modules whose setup and test delivery the Setup page shows, and whose records have pages. */
  modules: readonly ZohoModule[];
  /** The Zoho sync's state, shown on the overview. */
  readZohoSync?: () => Promise<ZohoSyncStatus>;
}

/**
 * The operator dashboard under /admin (issue 5): server-rendered pages, a little script, no external assets. Each
 * page or group of pages registers its routes from its own file in `dashboard/`.
 */
export async function dashboardRoutes(app: FastifyInstance, options: DashboardRoutesOptions): Promise<void> {
  await app.register(formbody);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Forms must carry their real Origin for checkOrigin; under helmet's default no-referrer, browsers send "null".
    referrerPolicy: { policy: 'same-origin' },
  });

  // Before authentication, so that a foreign or malformed Origin is refused the same way signed in or not.
  app.addHook('onRequest', async (request) => checkOrigin(request));

  assetRoutes(app);
  signInRoutes(app, options);
  // Authorized by its OAuth state, not the session cookie, which the browser does not send on Zoho's redirect.
  await app.register(async (callback) => {
    callback.addHook('preHandler', refuseNulCharacters);
    zohoCallbackRoutes(callback, options);
  });

  // Everything below needs a session.
  await app.register(async (pages) => {
    pages.addHook('preHandler', options.auth.requirePage);
    pages.addHook('preHandler', refuseNulCharacters);
    overviewRoutes(pages, options);
    eventsRoutes(pages, options);
    eventDetailRoutes(pages, options);
    recordsRoutes(pages, options);
    setupRoutes(pages, options);
    zohoRoutes(pages, options);
  });
}
