import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MoodleClient } from '../../moodle/create-moodle-client.js';
import type { EventHandler } from '../../worker/event-handler.js';
import {
  MOODLE_NOT_CONFIGURED,
  mergedValue,
  readRecordEvent,
  staleReason,
} from '../shared/read-record-event.js';
import { validateFieldLengths } from '../shared/validate-field-lengths.js';
import { PROGRAM_FIELDS } from './program-fields.js';
import type { ProgramSettings } from './program-settings.js';
import { findProgram, upsertProgram } from './program-store.js';
import { resolveCategory } from './resolve-category.js';

/**
 * Processes Products events: resolves the program's Moodle course category (when Moodle is configured), then
 * mirrors the program with that link in the transaction that completes the event. A deleted program keeps its
 * category: mzi never deletes one (classes may still be in it).
 */
export function createProgramHandler(options: {
  settings: ProgramSettings;
  moodle: MoodleClient | undefined;
}): EventHandler {
  const { settings, moodle } = options;
  return async (event, context) => {
    const { operation, data } = readRecordEvent(event);
    const current = await findProgram(context.db, event.record_id);
    const stale = await staleReason(context.db, event, data.Modified_Time, current?.zoho_modified_time);
    if (stale) return { result: { local: 'skipped', reason: stale } };
    validateFieldLengths(PROGRAM_FIELDS, event.record_id, data);
    const now = context.now.toISOString();
    const write =
      (deletedAt: string | null, link?: { categoryId: number; source: string }) => (trx: Kysely<Database>) =>
        upsertProgram(trx, {
          recordId: event.record_id,
          data,
          eventId: event.event_id,
          now,
          deletedAt,
          link,
        });

    if (operation === 'delete') {
      return {
        result: {
          local: current ? 'deleted' : 'deleted_unknown_record',
          moodle: {
            action: 'kept',
            ...(current?.moodle_category_id != null ? { category_id: current.moodle_category_id } : {}),
            reason: 'mzi never deletes a course category: delete it in Moodle if it is no longer needed',
          },
        },
        apply: write(now),
      };
    }
    const local = current === undefined ? 'created' : current.deleted_at !== null ? 'restored' : 'updated';
    if (!moodle) return { result: { local, moodle: MOODLE_NOT_CONFIGURED }, apply: write(null) };

    const resolved = await resolveCategory(moodle, settings, {
      recordId: event.record_id,
      name: mergedValue(data, 'Product_Name', current?.product_name),
      moodleId: mergedValue(data, 'MoodleID', current?.moodle_id),
    });
    return {
      result: { local, moodle: resolved.outcome },
      ...(resolved.warnings.length > 0 ? { warnings: resolved.warnings } : {}),
      apply: write(null, { categoryId: resolved.categoryId, source: resolved.source }),
    };
  };
}
