import type { FastifyInstance } from 'fastify';
import { setupPage } from '../../../dashboard/setup-page.js';
import { AppError } from '../../../errors.js';
import { fromZoho } from '../../../modules/index.js';
import type { ZohoModule } from '../../../modules/zoho-module.js';
import { buildDelivery } from '../../../webhooks/build-delivery.js';
import {
  buildDelugeFunctions,
  DELUGE_SECRET_PLACEHOLDER,
  type DelugeFunction,
} from '../../../webhooks/deluge-function.js';
import { buildWebhookSetup } from '../../../webhooks/zoho-webhook-setup.js';
import { webhookPath } from '../../webhook-urls.js';
import { FORM_BODY, parseRequestPart } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { flashOf } from './flash-of.js';
import { readTestDeliveryForm } from './read-test-delivery-form.js';
import { replyHtml } from './reply-html.js';

/** `/admin/setup`: what to configure in Zoho, the configuration check, and a test delivery through the intake. */
export function setupRoutes(
  pages: FastifyInstance,
  options: Pick<DashboardRoutesOptions, 'config' | 'readStatus' | 'doctor' | 'modules'>,
): void {
  const { config } = options;

  pages.get('/admin/setup', async (request, reply) => {
    const base = config.publicUrl ?? `${request.protocol}://${request.host}`;
    const token = config.webhook.tokens[0];
    const described = options.readStatus();
    return replyHtml(
      reply,
      setupPage({
        modules: fromZoho(options.modules).map((module) => ({
          module,
          setups: buildWebhookSetup({
            module,
            baseUrl: base,
            path: webhookPath(module),
            authHeader: token ? { name: 'X-Webhook-Token', value: token } : undefined,
            idOnly: config.zoho.fetchRecords,
          }),
          delugeFunctions: delugeFunctionsOf(
            module,
            `${base.replace(/\/+$/, '')}${webhookPath(module)}`,
            config.zoho.fetchRecords,
          ),
        })),
        authMode: String((described.webhook_auth as { mode?: string } | undefined)?.mode ?? 'disabled'),
        checks: await options.doctor(),
        flash: flashOf(request),
      }),
    );
  });

  pages.post('/admin/setup/test-delivery', async (request, reply) => {
    const form = readTestDeliveryForm(parseRequestPart(FORM_BODY, request.body), fromZoho(options.modules));
    const delivery = buildDelivery({
      module: form.module,
      path: webhookPath(form.module),
      operation: form.operation,
      fields: form.fields,
      recordId: form.recordId,
      format: 'form',
      secret: config.webhook.secrets[0],
      token: config.webhook.tokens[0],
    });
    // Through the real intake route, authentication included, as Zoho's delivery would go.
    const response = await pages.inject({
      method: 'POST',
      url: delivery.pathWithQuery,
      headers: { ...delivery.headers, 'user-agent': 'mzi dashboard test delivery' },
      payload: delivery.body,
    });
    const answer = response.json() as { event_id?: string; message?: string };
    if (!answer.event_id) {
      throw new AppError(
        'test_delivery_refused',
        `The test delivery was refused (HTTP ${response.statusCode}): ${answer.message ?? ''}`,
        {
          status: 400,
        },
      );
    }
    return reply.redirect(`/admin/events/${encodeURIComponent(answer.event_id)}?flash=test-sent`, 303);
  });
}

/**
 * The module's Deluge functions, with the placeholder secret; none when the URL cannot be written into Deluge
 * text (a Host header with a quote): the page still shows the webhooks.
 */
function delugeFunctionsOf(module: ZohoModule, url: string, idOnly: boolean): DelugeFunction[] {
  try {
    return buildDelugeFunctions({
      module,
      url,
      secret: DELUGE_SECRET_PLACEHOLDER,
      timestamped: true,
      idOnly,
    });
  } catch (error) {
    if (error instanceof AppError) return [];
    throw error;
  }
}
