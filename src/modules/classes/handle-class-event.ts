import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MoodleClient } from '../../moodle/create-moodle-client.js';
import type { EventHandler } from '../../worker/event-handler.js';
import { MOODLE_NOT_CONFIGURED, readRecordEvent, staleReason } from '../shared/read-record-event.js';
import { validateFieldLengths } from '../shared/validate-field-lengths.js';
import type { LinksOf } from '../zoho-module.js';
import { CLASS_FIELDS } from './class-fields.js';
import type { ClassSettings } from './class-settings.js';
import { mergeClass } from './class-state.js';
import { type ClassCourseLink, findClass, upsertClass } from './class-store.js';
import { syncClass } from './sync-class.js';

export interface ClassHandlerOptions {
  settings: ClassSettings;
  moodle: MoodleClient | undefined;
  linksOf: LinksOf;
}

/**
 * Processes BTEC_Classes events: the class's Moodle course (found by idnumber, created, updated, hidden) and its
 * teacher's enrolment, done outside any transaction; then the mirror, with the course link, in the
 * transaction that completes the event (issue 17).
 */
export function createClassHandler(options: ClassHandlerOptions): EventHandler {
  return async (event, context) => {
    const { operation, data } = readRecordEvent(event);
    const current = await findClass(context.db, event.record_id);
    const stale = await staleReason(context.db, event, data.Modified_Time, current?.zoho_modified_time);
    if (stale) return { result: { local: 'skipped', reason: stale } };
    validateFieldLengths(CLASS_FIELDS, event.record_id, data);

    const now = context.now.toISOString();
    const deleting = operation === 'delete';
    const local = deleting
      ? current
        ? 'deleted'
        : 'deleted_unknown_record'
      : current === undefined
        ? 'created'
        : current.deleted_at !== null
          ? 'restored'
          : 'updated';
    const write = (link?: ClassCourseLink) => (trx: Kysely<Database>) =>
      upsertClass(trx, {
        recordId: event.record_id,
        data,
        eventId: event.event_id,
        now,
        deletedAt: deleting ? now : null,
        link,
      });
    if (!options.moodle) return { result: { local, moodle: MOODLE_NOT_CONFIGURED }, apply: write() };

    const state = mergeClass(event.record_id, current, data);
    const moodle = await syncClass({
      client: options.moodle,
      settings: options.settings,
      linksOf: options.linksOf,
      db: context.db,
      operation,
      state,
      current,
    });
    return {
      result: { local, moodle: moodle.outcome },
      ...(moodle.warnings.length > 0 ? { warnings: moodle.warnings } : {}),
      apply: write(moodle.link),
    };
  };
}
