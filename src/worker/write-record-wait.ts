import type { Kysely } from 'kysely';
import type { ClaimedEvent, Database } from '../db/schema.js';
import { DEPENDENCY_MISSING } from '../event-log/fail-missing-dependency.js';
import { DEPENDENCY_WAITING } from '../event-log/wait-for-dependency.js';
import type { OutcomeDecision } from './decide-outcome.js';
import { holdBack } from './hold-back.js';
import type { Dependencies } from './wait-for-dependencies.js';
import type { WaitForRecord } from './wait-for-record.js';

/**
 * Puts an event whose handler waits for a record (WaitForRecord) back to wait for it, exactly as a `waitsFor`
 * wait, in the transaction `trx`; or fails it `dependency.missing` once it has waited its module's limit, counted
 * from when it first started waiting (a wait before its handler ran included).
 */
export async function writeRecordWait(
  trx: Kysely<Database>,
  options: {
    event: ClaimedEvent;
    wait: WaitForRecord;
    dependencies: Dependencies;
    workerId: string;
    now: () => Date;
  },
): Promise<OutcomeDecision> {
  const { event, wait, dependencies } = options;
  const current = await trx
    .selectFrom('integration_events_log')
    .select('waiting_since')
    .where('id', '=', event.id)
    .executeTakeFirst();
  const record = { ...dependencies.logRef(wait), reason: wait.reason };
  const { status, message } = await holdBack(
    trx,
    event,
    {
      record,
      lacks: 'ready',
      waitingSince: current?.waiting_since ?? null,
      limitSeconds: dependencies.waitLimitSeconds(event.module),
    },
    options,
  );
  if (status === 'waiting')
    return {
      status: 'waiting',
      code: DEPENDENCY_WAITING,
      message,
      waitsFor: `${record.module}:${record.recordId}`,
    };
  return {
    status: 'failed',
    code: DEPENDENCY_MISSING,
    message,
    eventMessage: message,
    error: wait,
    nextAttemptAt: event.next_attempt_at,
  };
}
