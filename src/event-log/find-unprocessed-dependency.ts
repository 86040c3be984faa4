import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A record of another module an event depends on, as the event log names it (the module's Zoho API name). */
export interface DependencyRef {
  readonly module: string;
  readonly recordId: string;
}

/** A dependency not processed yet, and why, in words an operator reads in the event's last error. */
export interface UnprocessedDependency extends DependencyRef {
  readonly reason: string;
}

/**
 * The first of these records that is not processed for the event `eventId`, if any. A record is processed when
 * one of its events has completed and none of its events older than the waiting one is unfinished: what was
 * known of the record when the event arrived has been applied. Later events of the record do not hold it back.
 */
export async function findUnprocessedDependency(
  db: Kysely<Database>,
  eventId: number,
  refs: readonly DependencyRef[],
): Promise<UnprocessedDependency | undefined> {
  for (const ref of refs) {
    const ofRecord = db
      .selectFrom('integration_events_log')
      .where('record_id', '=', ref.recordId)
      .where('module', '=', ref.module);
    const unfinished = await ofRecord
      .select(['event_id', 'status'])
      .where('id', '<', eventId)
      .where('status', 'in', ['pending', 'processing'])
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (unfinished) return { ...ref, reason: `its event ${unfinished.event_id} is ${unfinished.status}` };
    const completed = await ofRecord
      .select('id')
      .where('status', '=', 'completed')
      .limit(1)
      .executeTakeFirst();
    if (completed) continue;
    const latest = await ofRecord
      .select(['event_id', 'status', 'error_code'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const reason = !latest
      ? 'no event of it has arrived yet'
      : latest.status === 'failed'
        ? `its last event ${latest.event_id} failed (${latest.error_code ?? 'no code'})`
        : `its last event ${latest.event_id} is ${latest.status}`;
    return { ...ref, reason };
  }
  return undefined;
}
