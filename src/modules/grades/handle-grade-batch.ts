import type { ClaimedEvent } from '../../db/schema.js';
import { ProcessingError } from '../../event-log/processing-error.js';
import type { BatchEventHandler, HandlerContext, HandlerResult } from '../../worker/event-handler.js';
import type { ZohoApi, ZohoUpsertResult } from '../../zoho/zoho-api.js';
import { readEventData } from '../shared/read-event-data.js';
import type { RecordData } from '../zoho-module.js';
import { GRADE_KEY_FIELD, GRADE_MODULE } from './grade-fields.js';
import type { GradeSettings } from './grade-settings.js';
import { findGrades, markGradeRemoved, saveGrade } from './grade-store.js';
import { createUpsertBatcher, type UpsertBatcher } from './upsert-batcher.js';
import { type ZohoGradeRecord, zohoGradeRecord } from './zoho-grade-record.js';

/** Zoho takes at most 100 records per upsert or delete. */
const PER_CALL = 100;

/** How long an upsert waits for the grades of batches processed beside it, to fill its call. */
const LINGER_MS = 250;

/** The grades Zoho API calls. */
export type GradeZoho = Pick<ZohoApi, 'upsertRecords' | 'deleteRecords'>;

/**
 * Sends grade events to Zoho: each graded event upserts one BTEC_Grades record keyed by its composite key (up
 * to 100 per call, gathered across the batches processed at once, with `"trigger": []` so no workflow runs); a
 * grade removed in Moodle is reported, and its Zoho record deleted only with GRADES_ON_REMOVED=delete. A refusal
 * of one record fails that event alone.
 */
export function createGradeHandler(options: {
  settings: GradeSettings;
  zoho: GradeZoho | undefined;
}): BatchEventHandler {
  const { settings, zoho } = options;
  const batcher: UpsertBatcher<ZohoGradeRecord, ZohoUpsertResult> | undefined =
    zoho &&
    createUpsertBatcher({
      call: (records) => zoho.upsertRecords(GRADE_MODULE, records, [GRADE_KEY_FIELD]),
      max: PER_CALL,
      lingerMs: LINGER_MS,
    });
  return {
    async handleBatch(events, context) {
      if (!zoho || !batcher) {
        throw new ProcessingError(
          'zoho.not_connected',
          'Grades go to Zoho, which is not connected: run `mzi zoho connect` (or set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC) and restart.',
          { retryable: true },
        );
      }
      const results: HandlerResult[] = new Array(events.length);
      const upserts: { index: number; record: ZohoGradeRecord; data: RecordData }[] = [];
      const removals: number[] = [];
      for (const [index, event] of events.entries()) {
        try {
          const data = readEventData(event);
          if (event.event_type === 'delete') removals.push(index);
          else
            upserts.push({ index, data, record: zohoGradeRecord({ key: event.record_id, data, settings }) });
        } catch (error) {
          results[index] = { ok: false, error };
        }
      }
      if (upserts.length > 0) {
        const answers = await batcher.send(upserts.map((item) => item.record));
        for (const [position, item] of upserts.entries()) {
          const event = events[item.index] as ClaimedEvent;
          const answer = answers[position];
          results[item.index] = answer?.ok
            ? upserted(event, item.data, item.record, answer, context)
            : { ok: false, error: refused(answer) };
        }
      }
      await removeGrades(zoho, settings, events, removals, results, context);
      return results;
    },
  };
}

function upserted(
  event: ClaimedEvent,
  data: RecordData,
  record: ZohoGradeRecord,
  answer: { id: string; action: string },
  context: HandlerContext,
): HandlerResult {
  const at = context.now.toISOString();
  const grade = String(record.Grade);
  return {
    ok: true,
    outcome: {
      result: { zoho_record_id: answer.id, zoho_action: answer.action, grade },
      apply: (trx) =>
        saveGrade(trx, {
          grade_key: event.record_id,
          moodle_user_id: Number(data.Moodle_User_ID),
          moodle_course_id: Number(data.Moodle_Course_ID),
          moodle_assignment_id: Number(data.Moodle_Assignment_ID),
          student_record_id: data.Student ?? '',
          class_record_id: data.Class ?? '',
          attempt: Number(data.Attempt ?? 0),
          grade,
          moodle_graded_at: Math.floor(Date.parse(data.Graded_At ?? '') / 1000) || 0,
          zoho_record_id: answer.id,
          live: 1,
          removed_at: null,
          last_event_id: event.event_id,
          created_at: at,
          updated_at: at,
        }),
    },
  };
}

/** Zoho's refusal of one record, naming the field it blames. */
function refused(
  answer: { code: string; message: string; details: Readonly<Record<string, unknown>> } | undefined,
): ProcessingError {
  if (!answer)
    return new ProcessingError('zoho.no_answer', 'Zoho said nothing of this record.', { retryable: true });
  const field = typeof answer.details.api_name === 'string' ? ` (field ${answer.details.api_name})` : '';
  const hint =
    answer.code === 'DUPLICATE_DATA' || answer.code === 'INVALID_DATA'
      ? ` Check that BTEC_Grades has the fields mzi writes and that ${GRADE_KEY_FIELD} is a unique field.`
      : '';
  return new ProcessingError(
    `zoho.${answer.code.toLowerCase()}`,
    `Zoho refused the grade: ${answer.code}: ${answer.message}${field}.${hint}`,
  );
}

/** Grades removed in Moodle: kept in Zoho and reported, or deleted there (GRADES_ON_REMOVED=delete). */
async function removeGrades(
  zoho: GradeZoho,
  settings: GradeSettings,
  events: readonly ClaimedEvent[],
  removals: readonly number[],
  results: HandlerResult[],
  context: HandlerContext,
): Promise<void> {
  if (removals.length === 0) return;
  const at = context.now.toISOString();
  const mirror = await findGrades(
    context.db,
    removals.map((index) => (events[index] as ClaimedEvent).record_id),
  );
  const deletes: { index: number; zohoId: string }[] = [];
  for (const index of removals) {
    const event = events[index] as ClaimedEvent;
    const zohoId = mirror.get(event.record_id)?.zoho_record_id ?? undefined;
    if (settings.onRemoved === 'delete' && zohoId) {
      deletes.push({ index, zohoId });
      continue;
    }
    results[index] = {
      ok: true,
      outcome: {
        result: {
          removed_in_moodle: true,
          zoho: zohoId ? 'kept' : 'no record',
          zoho_record_id: zohoId ?? null,
        },
        warnings: [
          zohoId
            ? `The grade was removed in Moodle; its Zoho record ${zohoId} is kept (GRADES_ON_REMOVED=${settings.onRemoved}).`
            : 'The grade was removed in Moodle; mzi holds no Zoho record of it.',
        ],
        apply: (trx) =>
          markGradeRemoved(trx, event.record_id, { eventId: event.event_id, at, zohoDeleted: false }),
      },
    };
  }
  for (let start = 0; start < deletes.length; start += PER_CALL) {
    const chunk = deletes.slice(start, start + PER_CALL);
    const answers = await zoho.deleteRecords(
      GRADE_MODULE,
      chunk.map((item) => item.zohoId),
    );
    for (const [position, item] of chunk.entries()) {
      const event = events[item.index] as ClaimedEvent;
      const answer = answers[position];
      // A record someone already deleted in Zoho is as good as deleted now.
      const gone = answer?.ok || answer?.code === 'INVALID_DATA' || answer?.code === 'RECORD_NOT_FOUND';
      results[item.index] = gone
        ? {
            ok: true,
            outcome: {
              result: { removed_in_moodle: true, zoho: 'deleted', zoho_record_id: item.zohoId },
              apply: (trx) =>
                markGradeRemoved(trx, event.record_id, { eventId: event.event_id, at, zohoDeleted: true }),
            },
          }
        : { ok: false, error: refused(answer) };
    }
  }
}
