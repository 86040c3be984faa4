import type { FastifyInstance } from 'fastify';
import { recordPage, recordsPage } from '../../../dashboard/records-page.js';
import { lastResult } from '../../../event-log/last-result.js';
import { listEventPage } from '../../../event-log/list-event-page.js';
import { describeRecord, recordName } from '../../../modules/describe-record.js';
import { modulesWithRecords } from '../../../modules/modules-with-records.js';
import { ID_PARAMS, parseRequestPart, QUERY_PARAMETERS } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { findRecordOrThrow } from '../find-record-or-throw.js';
import { replyHtml } from './reply-html.js';

/**
 * `/admin/<section>` and `/admin/<section>/<id>` for every module that keeps records: the search of its mirror,
 * and one record with its facts, related records and events.
 */
export function recordsRoutes(
  pages: FastifyInstance,
  options: Pick<DashboardRoutesOptions, 'db' | 'modules'>,
): void {
  const { db } = options;
  const all = modulesWithRecords(options.modules);
  for (const of of all) {
    const { module, records } = of;
    pages.get(`/admin/${records.section}`, async (request, reply) => {
      const q = String(parseRequestPart(QUERY_PARAMETERS, request.query).q ?? '').slice(0, 200);
      return replyHtml(reply, recordsPage({ of, q, rows: await records.search(db, { q, limit: 100 }) }));
    });

    pages.get(`/admin/${records.section}/:id`, async (request, reply) => {
      const { id } = parseRequestPart(ID_PARAMS, request.params);
      const row = await findRecordOrThrow(db, of, id);
      const recordRef = { module: module.zohoApiName, recordId: row.zoho_record_id };
      const [detail, events, result] = await Promise.all([
        describeRecord(db, { of, row, modules: all }),
        listEventPage(db, recordRef, { limit: 100 }),
        lastResult(db, recordRef),
      ]);
      const title = recordName(records, row);
      return replyHtml(reply, recordPage({ of, row, title, detail, events, lastResult: result }));
    });
  }
}
