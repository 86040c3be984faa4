import type { FastifyInstance } from 'fastify';
import { DASHBOARD_CSS, DASHBOARD_JS } from '../../../dashboard/assets.js';

/** The dashboard's stylesheet and script, served without a session (the sign-in page uses them). */
export function assetRoutes(app: FastifyInstance): void {
  app.get('/admin/assets/app.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(DASHBOARD_CSS),
  );
  app.get('/admin/assets/app.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(DASHBOARD_JS),
  );
}
