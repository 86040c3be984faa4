import type { FastifyInstance } from 'fastify';
import { studentDetailPage, studentsPage } from '../../../dashboard/students-page.js';
import { AppError } from '../../../errors.js';
import { listEventPage } from '../../../event-log/list-event-page.js';
import { students } from '../../../modules/index.js';
import { ID_PARAMS, parseRequestPart, QUERY_PARAMETERS } from '../admin-api-schemas.js';
import type { DashboardRoutesOptions } from '../dashboard-routes.js';
import { replyHtml } from './reply-html.js';

/** `/admin/students`: the search of the student mirror, and one student with its events and Moodle account. */
export function studentsRoutes(pages: FastifyInstance, options: Pick<DashboardRoutesOptions, 'db'>): void {
  const { db } = options;

  pages.get('/admin/students', async (request, reply) => {
    const q = String(parseRequestPart(QUERY_PARAMETERS, request.query).q ?? '').slice(0, 200);
    return replyHtml(
      reply,
      studentsPage({ q, students: await students.records.search(db, { q, limit: 100 }) }),
    );
  });

  pages.get('/admin/students/:id', async (request, reply) => {
    const { id } = parseRequestPart(ID_PARAMS, request.params);
    const [student] = await students.records.find(db, id);
    if (!student)
      throw new AppError('student_not_found', `No student matches "${id.slice(0, 80)}".`, { status: 404 });
    const events = await listEventPage(db, { recordId: student.zoho_record_id }, { limit: 100 });
    const lastWithMoodle = await db
      .selectFrom('integration_events_log')
      .select('result')
      .where('record_id', '=', student.zoho_record_id)
      .where('status', '=', 'completed')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const moodle = lastWithMoodle?.result
      ? (JSON.parse(lastWithMoodle.result) as { moodle?: Record<string, unknown> }).moodle
      : undefined;
    return replyHtml(reply, studentDetailPage({ student, events, moodle }));
  });
}
